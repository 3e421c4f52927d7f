/* lifeboat: docker-credential-<name> get (see credhelper.h). */
#include "registry/credhelper.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define NOT_FOUND_TEXT "credentials not found in native keychain"

bool lb_credhelper_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 48 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

void lb_credhelper_server(const char *domain, char *out, size_t cap)
{
	/* Docker keys Docker Hub by its v1 index URL, every helper follows. */
	snprintf(out, cap, "%s", !strcmp(domain, "docker.io") ? "https://index.docker.io/v1/" : domain);
}

int lb_credhelper_answer(const char *helper, const char *server, int exit_status,
			 const char *text, size_t len, bool truncated, struct lb_creds *out,
			 struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->helper, sizeof(out->helper), "%s", helper);
	if (truncated)
		return lb_fail(err, LB_EINTEGRITY, "docker-credential-%s get %s: answer larger than %u bytes",
			       helper, server, LB_CREDHELPER_OUT_MAX);
	if (exit_status != 0) {
		if (memmem(text, len, NOT_FOUND_TEXT, strlen(NOT_FOUND_TEXT)))
			return LB_OK; /* nothing stored for it: anonymous, as docker does */
		/* The first line of what it said, printable bytes only. */
		char said[160];
		size_t n = 0;
		for (size_t i = 0; i < len && n + 1 < sizeof(said) && text[i] != '\n'; i++)
			said[n++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
		said[n] = '\0';
		if (exit_status < 0)
			return lb_fail(err, LB_EFAIL, "docker-credential-%s get %s: killed or timed out",
				       helper, server);
		return lb_fail(err, LB_EFAIL, "docker-credential-%s get %s: exit %d%s%s", helper, server,
			       exit_status, n ? ": " : "", said);
	}
	json_error_t jerr;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *user = json_string_value(json_object_get(o, "Username"));
	const char *secret = json_string_value(json_object_get(o, "Secret"));
	int rc = LB_OK;
	if (!json_is_object(o) || !user || !secret)
		rc = lb_fail(err, LB_EINTEGRITY,
			     "docker-credential-%s get %s: answer is not {\"Username\",\"Secret\"} JSON",
			     helper, server);
	else if (!strcmp(user, "<token>"))
		rc = lb_fail(err, LB_EUNSAFE,
			     "docker-credential-%s get %s: holds an identity token, which lifeboat cannot "
			     "use; use --creds",
			     helper, server);
	else if (!*user || strchr(user, ':') || strlen(user) >= sizeof(out->user) ||
		 strlen(secret) >= sizeof(out->pass) || memchr(secret, '\n', strlen(secret)))
		rc = lb_fail(err, LB_EINTEGRITY,
			     "docker-credential-%s get %s: unusable user name or secret", helper, server);
	if (!rc) {
		strcpy(out->user, user);
		strcpy(out->pass, secret);
		out->have = true;
	}
	json_decref(o);
	return rc;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads the helper's stdout until EOF, the bound, or the deadline. */
static void read_answer(int fd, char *buf, size_t *len, bool *truncated, bool *timed_out,
			const struct timespec *t0, unsigned timeout_ms)
{
	for (;;) {
		long left = (long)timeout_ms - ms_since(t0);
		if (left <= 0) {
			*timed_out = true;
			return;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*timed_out = r == 0;
			return;
		}
		ssize_t n = read(fd, buf + *len, LB_CREDHELPER_OUT_MAX + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		*len += (size_t)n;
		if (*len > LB_CREDHELPER_OUT_MAX) {
			*truncated = true;
			return;
		}
	}
}

/* Waits for pid until the deadline, then kills it. Its exit code, or -1. */
static int reap(pid_t pid, const struct timespec *t0, unsigned timeout_ms, bool kill_now)
{
	int status = 0;
	for (;;) {
		if (kill_now || ms_since(t0) > (long)timeout_ms) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
}

int lb_credhelper_get(const char *helper, const char *server, unsigned timeout_ms,
		      struct lb_creds *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!lb_credhelper_name_valid(helper))
		return lb_fail(err, LB_EINTEGRITY, "config.json names credential helper '%.60s': not a "
						   "helper name", helper);
	char prog[80];
	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	/* stdin is a socket so that writing to a helper that already exited
	 * is EPIPE (MSG_NOSIGNAL), not a SIGPIPE for the whole process. */
	int in[2] = {-1, -1}, outp[2] = {-1, -1};
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) || pipe2(outp, O_CLOEXEC)) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
		}
		return lb_fail_errno(err, LB_EFAIL, e, "%s: pipe", prog);
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	char *const argv[] = {prog, "get", NULL};
	pid_t pid;
	int se = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[1]);
	close(outp[1]);
	if (se) {
		close(in[0]);
		close(outp[0]);
		return lb_fail_errno(err, LB_EFAIL, se, "%s (credential helper named in config.json)%s",
				     prog, se == ENOENT ? ": not found on PATH" : "");
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The URL alone, no newline: what docker's own client writes. */
	(void)!send(in[0], server, strlen(server), MSG_NOSIGNAL);
	shutdown(in[0], SHUT_WR);
	char *buf = malloc(LB_CREDHELPER_OUT_MAX + 1);
	size_t len = 0;
	bool truncated = false, timed_out = false;
	if (buf)
		read_answer(outp[0], buf, &len, &truncated, &timed_out, &t0, timeout_ms);
	close(in[0]);
	close(outp[0]);
	int status = reap(pid, &t0, timeout_ms, !buf || truncated || timed_out);
	int rc;
	if (!buf)
		rc = lb_fail(err, LB_EFAIL, "%s: out of memory", prog);
	else if (timed_out)
		rc = lb_fail(err, LB_EFAIL, "%s get %s: no answer within %u ms; killed", prog, server,
			     timeout_ms);
	else
		rc = lb_credhelper_answer(helper, server, truncated ? 0 : status, buf, len, truncated,
					  out, err);
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return rc;
}
