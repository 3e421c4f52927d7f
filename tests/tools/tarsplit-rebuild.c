/* Test tool: lib/layer/tarsplit's rebuild of a layer's tar, so tests can
 * hold it against the tar it came from (and tar-split's own asm).
 *   tarsplit-rebuild TARSPLIT.json.gz ROOT [DIFF-ID] >layer.tar
 *     writes the rebuilt tar to stdout, its sha256 and counts to stderr;
 *     exit 0, or lifeboat's exit code with the message on stderr.
 *   tarsplit-rebuild --sizes <LINES
 *     parses decompressed tar-split lines only (no files needed) and prints
 *     "lines N files N file_bytes N segment_bytes N". */
#include "layer/tarsplit.h"
#include "layer/tarsplit_entry.h"
#include "util/nofollow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_stdout(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	(void)ctx;
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lb_fail_errno(err, LB_EFAIL, errno, "stdout: cannot write");
		p += n;
		len -= (size_t)n;
	}
	return LB_OK;
}

static int sizes(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long long nr = 0, files = 0, file_bytes = 0, segment_bytes = 0;
	struct lb_err err = { 0 };
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			len--;
		struct lb_tarsplit_entry e;
		int rc = lb_tarsplit_entry_parse(line, (size_t)len, nr + 1, nr, &e, &err);
		if (rc) {
			fprintf(stderr, "tarsplit-rebuild: %s\n", err.msg);
			free(line);
			return rc;
		}
		nr++;
		if (e.type == LB_TARSPLIT_FILE) {
			files++;
			file_bytes += e.size_bytes;
		} else {
			segment_bytes += e.payload_len;
		}
		lb_tarsplit_entry_clear(&e);
	}
	free(line);
	printf("lines %llu files %llu file_bytes %llu segment_bytes %llu\n", nr, files, file_bytes,
	       segment_bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--sizes") == 0)
		return sizes();
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: tarsplit-rebuild TARSPLIT.json.gz ROOT [DIFF-ID] >TAR\n"
				"       tarsplit-rebuild --sizes <LINES\n");
		return 2;
	}
	struct lb_err err = { 0 };
	int gz_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (gz_fd < 0) {
		fprintf(stderr, "tarsplit-rebuild: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	int root_fd;
	int rc = lb_open_dir_nofollow(argv[2], &root_fd, &err);
	if (rc) {
		fprintf(stderr, "tarsplit-rebuild: %s\n", err.msg);
		close(gz_fd);
		return rc;
	}
	struct lb_layer_sink sink = { .write = write_stdout, .ctx = NULL };
	struct lb_tarsplit_stats stats;
	rc = lb_tarsplit_rebuild(gz_fd, root_fd, argc == 4 ? argv[3] : NULL, &sink, &stats, &err);
	close(gz_fd);
	close(root_fd);
	if (rc) {
		fprintf(stderr, "tarsplit-rebuild: %s: %s\n", argv[1], err.msg);
		return rc;
	}
	fprintf(stderr, "%s lines %llu files %llu file_bytes %llu tar_bytes %llu\n", stats.diff_id,
		(unsigned long long)stats.lines, (unsigned long long)stats.files,
		(unsigned long long)stats.file_bytes, (unsigned long long)stats.tar_bytes);
	return 0;
}
