#include "registry/journal.h"
#include "util/atomic_at.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

static int step_into(int *fd, const char *name, size_t len, struct lb_err *err)
{
	char part[NAME_MAX + 1];
	if (len == 0 || len > NAME_MAX || (len <= 2 && !strncmp(name, "..", len)))
		return lb_fail(err, LB_EUSAGE, "upload journal: bad directory name '%.*s'", (int)len,
			       name);
	memcpy(part, name, len);
	part[len] = '\0';
	if (mkdirat(*fd, part, 0700) && errno != EEXIST)
		return lb_fail_errno(err, LB_EFAIL, errno, "upload journal: mkdir %s", part);
	int next = openat(*fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (next < 0)
		return lb_fail_errno(err, LB_EUNSAFE, errno, "upload journal: open %s", part);
	close(*fd);
	*fd = next;
	return LB_OK;
}

int lb_upload_journal_dir(int base_fd, const char *domain, const char *repo, int *fd_out,
			  struct lb_err *err)
{
	int fd = dup(base_fd);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "upload journal");
	int rc = step_into(&fd, ".lifeboat-push", 14, err);
	if (!rc)
		rc = step_into(&fd, domain, strlen(domain), err);
	for (const char *p = repo; !rc && *p;) {
		size_t n = strcspn(p, "/");
		rc = step_into(&fd, p, n, err);
		p += n;
		if (*p == '/')
			p++;
	}
	if (rc) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return LB_OK;
}

static void journal_name(const char *digest, char name[80])
{
	snprintf(name, 80, "%.64s.json", lb_digest_hex(digest));
}

int lb_upload_journal_load(int dir_fd, const char *digest, struct lb_upload_journal *j,
			   bool *found, struct lb_err *err)
{
	(void)err;
	char name[80];
	*found = false;
	journal_name(digest, name);
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return LB_OK;
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return LB_OK;
	json_t *o = json_loadb(buf, (size_t)n, 0, NULL);
	const char *d = json_string_value(json_object_get(o, "digest"));
	const char *loc = json_string_value(json_object_get(o, "location"));
	json_t *size = json_object_get(o, "size"), *off = json_object_get(o, "offset");
	if (d && !strcmp(d, digest) && loc && strlen(loc) < sizeof(j->location) && json_is_integer(size) &&
	    json_is_integer(off) && json_integer_value(off) >= 0 &&
	    json_integer_value(off) <= json_integer_value(size)) {
		memset(j, 0, sizeof(*j));
		snprintf(j->digest, sizeof(j->digest), "%s", d);
		snprintf(j->location, sizeof(j->location), "%s", loc);
		j->size = (uint64_t)json_integer_value(size);
		j->offset = (uint64_t)json_integer_value(off);
		*found = true;
	}
	json_decref(o);
	return LB_OK;
}

int lb_upload_journal_save(int dir_fd, const struct lb_upload_journal *j, struct lb_err *err)
{
	char name[80];
	journal_name(j->digest, name);
	json_t *o = json_pack("{s:s, s:I, s:I, s:s}", "digest", j->digest, "size", (json_int_t)j->size,
			      "offset", (json_int_t)j->offset, "location", j->location);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return lb_fail(err, LB_EFAIL, "upload journal %s: out of memory", name);
	char what[128];
	snprintf(what, sizeof(what), "upload journal %s", name);
	int rc = lb_write_atomic_at(dir_fd, name, text, strlen(text), what, err);
	free(text);
	return rc;
}

void lb_upload_journal_remove(int dir_fd, const char *digest)
{
	char name[80];
	journal_name(digest, name);
	unlinkat(dir_fd, name, 0);
}
