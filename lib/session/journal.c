#include "session/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_field(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int lb_journal_parse_line(const char *line, struct lb_journal_entry *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(line);
	if (len == 0 || line[len - 1] != '\n')
		return lb_fail(err, LB_EINTEGRITY, "journal line is incomplete");
	len--;
	const char *t1 = memchr(line, '\t', len);
	const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line)) : NULL;
	if (!t1 || !t2 || memchr(t2 + 1, '\t', len - (size_t)(t2 + 1 - line)))
		return lb_fail(err, LB_EINTEGRITY, "journal line does not have three fields");
	if (copy_field(out->kind, sizeof(out->kind), line, (size_t)(t1 - line)) ||
	    copy_field(out->arg1, sizeof(out->arg1), t1 + 1, (size_t)(t2 - t1 - 1)) ||
	    copy_field(out->arg2, sizeof(out->arg2), t2 + 1, len - (size_t)(t2 + 1 - line)))
		return lb_fail(err, LB_EINTEGRITY, "journal field too long");
	if (!out->kind[0])
		return lb_fail(err, LB_EINTEGRITY, "journal line has no kind");
	return LB_OK;
}

static int regular_file(int fd, const char *path, struct lb_err *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot stat the journal", path);
	if (!S_ISREG(st.st_mode))
		return lb_fail(err, LB_EUNSAFE, "%s: the journal is not a regular file", path);
	return LB_OK;
}

int lb_journal_append(const char *path, const char *kind, const char *arg1, const char *arg2,
		      struct lb_err *err)
{
	if (strpbrk(kind, "\t\n") || strpbrk(arg1, "\t\n") || strpbrk(arg2, "\t\n"))
		return lb_fail(err, LB_EUSAGE, "%s: journal fields may not hold tabs or newlines",
			       path);
	if (strlen(arg1) >= LB_JOURNAL_ARG_MAX || strlen(arg2) >= LB_JOURNAL_ARG_MAX)
		return lb_fail(err, LB_EUSAGE, "%s: journal field too long", path);
	char line[2 * LB_JOURNAL_ARG_MAX + 64];
	int n = snprintf(line, sizeof(line), "%s\t%s\t%s\n", kind, arg1, arg2);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		      0600);
	if (fd < 0)
		return lb_fail_errno(err, errno == ELOOP ? LB_EUNSAFE : LB_EFAIL, errno,
				     "%s: cannot open the journal", path);
	int rc = regular_file(fd, path, err);
	if (rc) {
		close(fd);
		return rc;
	}
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write the journal", path);
	close(fd);
	return rc;
}

int lb_journal_load(const char *path, struct lb_journal_entry **out, size_t *n,
		    struct lb_err *err)
{
	*out = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, errno == ELOOP ? LB_EUNSAFE : lb_exit_for_errno(errno), errno,
				     "%s: cannot read the journal", path);
	int rc = regular_file(fd, path, err);
	FILE *f = rc ? NULL : fdopen(fd, "r");
	if (!f) {
		close(fd);
		return rc ? rc : lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot read the journal", path);
	}
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	ssize_t len;
	unsigned line_nr = 0;
	while ((len = getline(&line, &line_cap, f)) > 0) {
		line_nr++;
		if (line[len - 1] != '\n')
			break; /* torn: nothing was done for it */
		struct lb_journal_entry e;
		struct lb_err why = {0};
		if (memchr(line, '\0', (size_t)len) ||
		    lb_journal_parse_line(line, &e, &why)) { /* kept, to be reported */
			memset(&e, 0, sizeof(e));
			snprintf(e.arg1, sizeof(e.arg1), "%.400s",
				 why.msg[0] ? why.msg : "journal line holds a NUL byte");
		}
		e.line_nr = line_nr;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct lb_journal_entry *grown = realloc(*out, cap * sizeof(e));
			if (!grown) {
				rc = lb_fail(err, LB_EFAIL, "%s: out of memory", path);
				break;
			}
			*out = grown;
		}
		(*out)[(*n)++] = e;
	}
	free(line);
	fclose(f);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}
