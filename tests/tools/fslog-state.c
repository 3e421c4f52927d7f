/* Test tool: prints lib/fslog's verdict on a filesystem image or device, one
 * word (clean, dirty, unknown), so tests can hold it against xfs_logprint
 * and dumpe2fs. Exit 0, or lifeboat's exit code with the message on stderr.
 * Usage: fslog-state xfs|ext4 FILE */
#include "fslog/fslog.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fslog-state xfs|ext4 FILE\n");
		return 2;
	}
	struct lb_err err = {0};
	enum lb_fslog_state s;
	int rc = lb_fslog_state_of_path(argv[2], argv[1], &s, &err);
	if (rc) {
		fprintf(stderr, "fslog-state: %s\n", err.msg);
		return rc;
	}
	printf("%s\n", lb_fslog_state_name(s));
	return 0;
}
