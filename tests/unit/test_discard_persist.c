/* `recover discard off --persist` never loses a concurrent edit of
 * daemon.json: the file is planned (read and edited in memory), then someone
 * else edits it, or holds a lock on it, before lifeboat writes. lifeboat
 * must refuse (LB_EUNSAFE, naming the file) and leave the other edit in
 * place; without interference it writes the edit and a backup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "discard/apply.h"

#define ORIGINAL "{\"storage-driver\": \"devicemapper\", \"log-level\": \"warn\"}\n"
#define OTHER_EDIT "{\"storage-driver\": \"devicemapper\", \"log-level\": \"debug\"}\n"

struct dir {
	char path[64];
	char file[96];
};

static int make_dir(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "/tmp/lb-persist-XXXXXX");
	if (!d || !mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/daemon.json", d->path);
	*state = d;
	return 0;
}

static int remove_dir(void **state)
{
	struct dir *d = *state;
	DIR *dir = opendir(d->path);
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", d->path, de->d_name);
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
			unlink(p);
	}
	if (dir)
		closedir(dir);
	rmdir(d->path);
	free(d);
	return 0;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_files(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || strlen(de->d_name) > 2;
	closedir(d);
	return n;
}

/* daemon.json holds `text` (NULL: leave it as it is), and is planned. */
static void plan(const struct dir *d, const char *text, struct lb_persist_plan *p)
{
	if (text)
		put(d->file, text);
	struct lb_err err = {0};
	assert_int_equal(lb_persist_plan(d->file, d->path, p, &err), 0);
	assert_true(p->changed);
}

static int persist(const struct lb_persist_plan *p, struct lb_err *err)
{
	char backup[4200];
	memset(err, 0, sizeof(*err));
	return lb_persist_write(p, backup, sizeof(backup), err);
}

/* Someone else's edit as an editor saves it: a new file, as long as the
 * original, to be renamed over daemon.json. */
static const char *edited_copy(const struct dir *d)
{
	static char other[128];
	snprintf(other, sizeof(other), "%s/new", d->path);
	put(other, "{\"storage-driver\": \"devicemapper\", \"log-level\": \"info\"}\n");
	return other;
}

/* Another process that takes an flock on daemon.json and holds it: until
 * killed, or (with new_file) for 300 ms, in which it saves its own edit by
 * renaming new_file over daemon.json, as editors do. Returns once it holds
 * the lock. */
static pid_t lock_holder(const struct dir *d, const char *new_file)
{
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(d->file, O_RDONLY);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		if (!new_file)
			pause();
		usleep(300 * 1000); /* lifeboat has opened the file and waits */
		_exit(rename(new_file, d->file) ? 1 : 0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static void without_interference_the_edit_and_a_backup_are_written(void **state)
{
	struct dir *d = *state;
	struct lb_persist_plan p;
	plan(d, ORIGINAL, &p);
	char backup[4200];
	struct lb_err err = {0};
	assert_int_equal(lb_persist_write(&p, backup, sizeof(backup), &err), 0);
	assert_non_null(strstr(get(d->file), "dm.blkdiscard=false"));
	assert_string_equal(get(backup), ORIGINAL);
	lb_persist_free(&p);
}

static void an_edit_after_the_plan_is_kept_and_the_write_refused(void **state)
{
	struct dir *d = *state;
	struct lb_persist_plan p;
	plan(d, ORIGINAL, &p);
	put(d->file, OTHER_EDIT); /* in place, as `echo > daemon.json` does */
	struct lb_err err;
	assert_int_equal(persist(&p, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, d->file));
	assert_non_null(strstr(err.msg, "changed since lifeboat read it"));
	assert_string_equal(get(d->file), OTHER_EDIT);
	assert_int_equal(count_files(d->path), 1); /* no backup, no temporary file */
	lb_persist_free(&p);
}

static void a_file_replaced_by_rename_after_the_plan_is_kept(void **state)
{
	struct dir *d = *state;
	struct lb_persist_plan p;
	plan(d, ORIGINAL, &p);
	assert_int_equal(rename(edited_copy(d), d->file), 0);
	struct lb_err err;
	assert_int_equal(persist(&p, &err), LB_EUNSAFE);
	assert_non_null(strstr(get(d->file), "\"info\""));
	lb_persist_free(&p);
}

static void a_file_created_after_a_plan_without_one_is_kept(void **state)
{
	struct dir *d = *state;
	mkdir(d->file, 0700); /* no daemon.json, but a devicemapper/ data root */
	rmdir(d->file);
	char dm[128];
	snprintf(dm, sizeof(dm), "%s/devicemapper", d->path);
	assert_int_equal(mkdir(dm, 0700), 0);
	struct lb_persist_plan p;
	plan(d, NULL, &p);
	assert_false(p.present);
	put(d->file, OTHER_EDIT);
	struct lb_err err;
	assert_int_equal(persist(&p, &err), LB_EUNSAFE);
	assert_string_equal(get(d->file), OTHER_EDIT);
	rmdir(dm);
	lb_persist_free(&p);
}

static void a_lock_held_by_another_process_is_waited_for_then_refused(void **state)
{
	struct dir *d = *state;
	struct lb_persist_plan p;
	plan(d, ORIGINAL, &p);
	pid_t holder = lock_holder(d, NULL);
	struct lb_err err;
	int rc = persist(&p, &err);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	assert_int_equal(rc, LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "holds a lock on it"));
	assert_string_equal(get(d->file), ORIGINAL);
	/* Once the lock is gone, the same plan goes through. */
	assert_int_equal(persist(&p, &err), 0);
	assert_non_null(strstr(get(d->file), "nodiscard"));
	lb_persist_free(&p);
}

/* The other process holds the lock while lifeboat waits for it, saves its
 * edit by renaming a new file over daemon.json, and lets go: the file
 * lifeboat then holds locked is unchanged, but it is no longer the one at
 * the path. The check before the rename must see that. */
static void a_file_replaced_while_lifeboat_waits_for_the_lock_is_kept(void **state)
{
	struct dir *d = *state;
	struct lb_persist_plan p;
	plan(d, ORIGINAL, &p);
	pid_t editor = lock_holder(d, edited_copy(d));
	struct lb_err err;
	int rc = persist(&p, &err);
	int status;
	waitpid(editor, &status, 0);
	assert_int_equal(status, 0);
	assert_int_equal(rc, LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "changed since lifeboat read it"));
	assert_non_null(strstr(get(d->file), "\"info\""));
	lb_persist_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(without_interference_the_edit_and_a_backup_are_written,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(an_edit_after_the_plan_is_kept_and_the_write_refused,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_file_replaced_by_rename_after_the_plan_is_kept,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_file_created_after_a_plan_without_one_is_kept,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_lock_held_by_another_process_is_waited_for_then_refused,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_file_replaced_while_lifeboat_waits_for_the_lock_is_kept,
						make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
