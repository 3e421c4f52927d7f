#ifndef LIFEBOAT_DOCKER_DOCKERD_H
#define LIFEBOAT_DOCKER_DOCKERD_H

#include <sys/types.h>

/* Finds a dockerd whose data root is data_root (its --data-root/-g, else
 * daemon_json_root, else /var/lib/docker), by /proc/<pid>/comm and the pid
 * in /var/run/docker.pid (a process named dockerd). Returns its pid, or 0. */
pid_t lb_docker_find_dockerd(const char *data_root, const char *daemon_json_root);

#endif
