/* lifeboat: `--change` instructions (see change.h). Follows the Dockerfile
 * reference: JSON ("exec") form where the argument is a JSON array of
 * strings, else shell form run by /bin/sh -c; ENV and LABEL take key=value
 * pairs with Dockerfile quoting, or ENV's older "key value" form. */
#include "oci/change.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WORDS 256

static const char *skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* The exec form: a JSON array of strings; NULL if the text is not one. */
static json_t *exec_form(const char *s)
{
	if (*s != '[')
		return NULL;
	json_t *a = json_loads(s, 0, NULL);
	size_t i;
	json_t *e;
	if (!json_is_array(a))
		goto no;
	json_array_foreach(a, i, e) if (!json_is_string(e)) goto no;
	return a;
no:
	json_decref(a);
	return NULL;
}

static json_t *command(const char *s)
{
	json_t *a = exec_form(s);
	return a ? a : json_pack("[s, s, s]", "/bin/sh", "-c", s);
}

/* Splits Dockerfile words: whitespace separates, "..." and '...' quote,
 * a backslash escapes the next character (outside single quotes). Each word
 * is a heap string in words[]; returns the count, or -1 on an unterminated
 * quote or too many words. */
static int split_words(const char *s, char **words, int max)
{
	int n = 0;
	s = skip_space(s);
	while (*s) {
		if (n == max)
			goto bad;
		size_t cap = strlen(s) + 1, len = 0;
		char *w = malloc(cap);
		if (!w)
			goto bad;
		words[n++] = w;
		char quote = 0;
		for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
			if (quote == '\'' && *s == '\'') {
				quote = 0;
			} else if (quote == '"' && *s == '"') {
				quote = 0;
			} else if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s;
			} else if (*s == '\\' && quote != '\'' && s[1]) {
				w[len++] = *++s;
			} else {
				w[len++] = *s;
			}
		}
		w[len] = 0;
		if (quote)
			goto bad;
		s = skip_space(s);
	}
	return n;
bad:
	while (n > 0)
		free(words[--n]);
	return -1;
}

static void free_words(char **words, int n)
{
	while (n > 0)
		free(words[--n]);
}

static json_t *object_member(json_t *config, const char *key)
{
	json_t *o = json_object_get(config, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(config, key, o);
	}
	return o;
}

/* Env is a list of "KEY=value": a key set again replaces its entry. */
static void env_set(json_t *config, const char *key, const char *value)
{
	json_t *env = json_object_get(config, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(config, "Env", env);
	}
	size_t klen = strlen(key), i;
	json_t *e;
	char *kv = malloc(klen + strlen(value) + 2);
	if (!kv)
		return;
	strcpy(kv, key);
	kv[klen] = '=';
	strcpy(kv + klen + 1, value);
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, key, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			free(kv);
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
	free(kv);
}

/* key=value pairs into Env (set) or Labels (object). */
static int pairs(json_t *config, const char *args, bool is_env, const char *instr,
		 struct lb_err *err)
{
	char *w[MAX_WORDS];
	int n = split_words(args, w, MAX_WORDS);
	if (n <= 0)
		return lb_fail(err, LB_EUSAGE, "--change '%s': expected KEY=VALUE", instr);
	bool all_pairs = true;
	for (int i = 0; i < n; i++)
		all_pairs = all_pairs && strchr(w[i], '=') && w[i][0] != '=';
	if (!all_pairs && is_env && n >= 2 && !strchr(w[0], '=')) {
		/* ENV KEY the rest of the line */
		const char *rest = skip_space(args);
		rest = skip_space(rest + strcspn(rest, " \t"));
		env_set(config, w[0], rest);
		free_words(w, n);
		return LB_OK;
	}
	if (!all_pairs) {
		free_words(w, n);
		return lb_fail(err, LB_EUSAGE, "--change '%s': expected KEY=VALUE pairs", instr);
	}
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');
		*eq = 0;
		if (is_env)
			env_set(config, w[i], eq + 1);
		else
			json_object_set_new(object_member(config, "Labels"), w[i], json_string(eq + 1));
	}
	free_words(w, n);
	return LB_OK;
}

/* A Go duration ("30s", "1m30s", "500ms") in nanoseconds; -1 if malformed. */
static long long go_duration(const char *s)
{
	long long total = 0;
	if (!*s)
		return -1;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -1;
		char *end;
		long long v = strtoll(s, &end, 10);
		long long unit;
		if (!strncmp(end, "ms", 2)) {
			unit = 1000000LL;
			end += 2;
		} else if (*end == 's') {
			unit = 1000000000LL;
			end++;
		} else if (*end == 'm') {
			unit = 60000000000LL;
			end++;
		} else if (*end == 'h') {
			unit = 3600000000000LL;
			end++;
		} else {
			return -1;
		}
		if (v > 1000000000LL)
			return -1;
		total += v * unit;
		s = end;
	}
	return total;
}

static int healthcheck(json_t *config, const char *args, const char *instr, struct lb_err *err)
{
	const char *s = skip_space(args);
	if (!strcasecmp(s, "NONE")) {
		json_object_set_new(config, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return LB_OK;
	}
	json_t *hc = json_object();
	while (!strncmp(s, "--", 2)) {
		size_t len = strcspn(s, " \t");
		char opt[64];
		if (len >= sizeof(opt))
			goto bad;
		memcpy(opt, s, len);
		opt[len] = 0;
		char *eq = strchr(opt, '=');
		if (!eq)
			goto bad;
		*eq++ = 0;
		const char *key = !strcmp(opt, "--interval")       ? "Interval"
				  : !strcmp(opt, "--timeout")      ? "Timeout"
				  : !strcmp(opt, "--start-period") ? "StartPeriod"
				  : !strcmp(opt, "--retries")      ? "Retries"
								   : NULL;
		if (!key)
			goto bad;
		long long v;
		if (!strcmp(key, "Retries")) {
			char *end;
			v = strtoll(eq, &end, 10);
			if (*end || v < 0 || end == eq)
				goto bad;
		} else if ((v = go_duration(eq)) < 0) {
			goto bad;
		}
		json_object_set_new(hc, key, json_integer(v));
		s = skip_space(s + len);
	}
	if (strncasecmp(s, "CMD", 3) || !isspace((unsigned char)s[3]))
		goto bad;
	s = skip_space(s + 3);
	json_t *exec = exec_form(s);
	json_t *test = exec ? exec : json_pack("[s, s]", "CMD-SHELL", s);
	if (exec)
		json_array_insert_new(test, 0, json_string("CMD"));
	json_object_set_new(hc, "Test", test);
	json_object_set_new(config, "Healthcheck", hc);
	return LB_OK;
bad:
	json_decref(hc);
	return lb_fail(err, LB_EUSAGE,
		       "--change '%s': expected HEALTHCHECK NONE or HEALTHCHECK [--interval=D "
		       "--timeout=D --start-period=D --retries=N] CMD ...",
		       instr);
}

static int one(json_t *config, const char *instr, struct lb_err *err)
{
	const char *s = skip_space(instr);
	size_t klen = strcspn(s, " \t");
	char kw[16];
	if (klen == 0 || klen >= sizeof(kw))
		return lb_fail(err, LB_EUSAGE, "--change '%s': no instruction", instr);
	for (size_t i = 0; i < klen; i++)
		kw[i] = (char)toupper((unsigned char)s[i]);
	kw[klen] = 0;
	const char *args = skip_space(s + klen);
	if (!*args)
		return lb_fail(err, LB_EUSAGE, "--change '%s': %s needs an argument", instr, kw);
	if (!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT")) {
		json_object_set_new(config, kw[0] == 'C' ? "Cmd" : "Entrypoint", command(args));
		return LB_OK;
	}
	if (!strcmp(kw, "ENV") || !strcmp(kw, "LABEL"))
		return pairs(config, args, kw[0] == 'E', instr, err);
	if (!strcmp(kw, "USER") || !strcmp(kw, "STOPSIGNAL")) {
		json_object_set_new(config, kw[0] == 'U' ? "User" : "StopSignal", json_string(args));
		return LB_OK;
	}
	if (!strcmp(kw, "WORKDIR")) {
		/* A relative WORKDIR is relative to the one before, as in a build. */
		const char *cur = json_string_value(json_object_get(config, "WorkingDir"));
		if (args[0] == '/' || !cur || !*cur) {
			json_object_set_new(config, "WorkingDir", json_string(args));
		} else {
			size_t n = strlen(cur) + strlen(args) + 2;
			char *p = malloc(n);
			if (!p)
				return lb_fail(err, LB_EFAIL, "out of memory");
			snprintf(p, n, "%s%s%s", cur, cur[strlen(cur) - 1] == '/' ? "" : "/", args);
			json_object_set_new(config, "WorkingDir", json_string(p));
			free(p);
		}
		return LB_OK;
	}
	if (!strcmp(kw, "EXPOSE") || !strcmp(kw, "VOLUME")) {
		bool expose = kw[0] == 'E';
		json_t *list = expose ? NULL : exec_form(args);
		char *w[MAX_WORDS];
		int n = list ? 0 : split_words(args, w, MAX_WORDS);
		if (n < 0)
			return lb_fail(err, LB_EUSAGE, "--change '%s': unbalanced quotes", instr);
		json_t *set = object_member(config, expose ? "ExposedPorts" : "Volumes");
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) json_object_set_new(set, json_string_value(e), json_object());
		for (int k = 0; k < n; k++) {
			char key[80];
			if (expose) {
				char *end;
				unsigned long port = strtoul(w[k], &end, 10);
				if (end == w[k] || port == 0 || port > 65535 ||
				    (*end && strcmp(end, "/tcp") && strcmp(end, "/udp") &&
				     strcmp(end, "/sctp"))) {
					free_words(w, n);
					return lb_fail(err, LB_EUSAGE,
						       "--change '%s': expected PORT[/tcp|/udp|/sctp]",
						       instr);
				}
				snprintf(key, sizeof(key), "%lu%s", port, *end ? end : "/tcp");
				json_object_set_new(set, key, json_object());
			} else {
				json_object_set_new(set, w[k], json_object());
			}
		}
		json_decref(list);
		free_words(w, n);
		return LB_OK;
	}
	if (!strcmp(kw, "ONBUILD")) {
		json_t *ob = json_object_get(config, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(config, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(args));
		return LB_OK;
	}
	if (!strcmp(kw, "HEALTHCHECK"))
		return healthcheck(config, args, instr, err);
	return lb_fail(err, LB_EUSAGE,
		       "--change '%s': %s is not one of CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, "
		       "LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR",
		       instr, kw);
}

int lb_oci_apply_changes(json_t *config, const char *const *changes, size_t n,
			 struct lb_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = one(config, changes[i], err);
		if (rc)
			return rc;
	}
	return LB_OK;
}
