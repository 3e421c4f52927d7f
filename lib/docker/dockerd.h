/* Is a dockerd running? Read from /proc alone (no socket, no API call: the
 * daemon may hang). Two questions, one home: */
#ifndef LIFEBOAT_DOCKER_DOCKERD_H
#define LIFEBOAT_DOCKER_DOCKERD_H

#include <sys/types.h>

struct lb_docker_root;

/* Finds a dockerd whose data root is data_root (its --data-root/-g, else
 * daemon_json_root, else /var/lib/docker), by /proc/<pid>/comm and the pid
 * in /var/run/docker.pid (a process named dockerd). Returns its pid, or 0. */
pid_t lb_docker_find_dockerd(const char *data_root, const char *daemon_json_root);

/* The same for a loaded data root: the dockerd that would change its files
 * and its pool's devices under lifeboat (doctor --fix, commit, snapshots). */
pid_t lb_docker_dockerd_on(const struct lb_docker_root *root);

/* Any dockerd on this host, whatever its data root: for a change to a pool
 * whose owner lifeboat does not know (recover discard acts on pools by
 * their device-mapper name, and any running dockerd may activate a pool's
 * devices). Returns the first one /proc lists, or 0. */
pid_t lb_docker_find_any_dockerd(void);

#endif
