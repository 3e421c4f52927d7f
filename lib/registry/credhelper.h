/* Docker credential helpers: `docker-credential-<name> get`, named by
 * config.json's credHelpers (per registry) or credsStore (all of them).
 * The helper reads the server URL on stdin and answers
 * {"ServerURL":..,"Username":..,"Secret":..} on stdout; a registry it has
 * nothing for is a non-zero exit with "credentials not found in native
 * keychain" on stdout (the wording docker-credential-helpers uses).
 *
 * lb_credhelper_answer judges an answer (pure, unit-tested);
 * lb_credhelper_get runs the helper: found on PATH, posix_spawn with no
 * shell, its output bounded (LB_CREDHELPER_OUT_MAX) and its run bounded by
 * a timeout after which it is killed. */
#ifndef LIFEBOAT_REGISTRY_CREDHELPER_H
#define LIFEBOAT_REGISTRY_CREDHELPER_H

#include "registry/authfile.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

#define LB_CREDHELPER_OUT_MAX (64u * 1024)

/* A helper name is [A-Za-z0-9._-]+ and not "." or "..": never a path. */
bool lb_credhelper_name_valid(const char *name);

/* The server URL Docker hands the helper for a registry domain:
 * "https://index.docker.io/v1/" for docker.io, else the domain itself. */
void lb_credhelper_server(const char *domain, char *out, size_t cap);

/* Pure: what the helper answered. exit_status is its exit code (-1 if it
 * was killed or did not exit); truncated if it wrote more than the bound.
 * LB_OK with out->have set, or with out->have false when the helper has
 * nothing for the server. LB_EFAIL for a helper that failed, LB_EINTEGRITY
 * for an answer that is not the helper protocol, LB_EUNSAFE for an
 * identity token (Username "<token>"), which needs an OAuth exchange that
 * lifeboat does not do. */
int lb_credhelper_answer(const char *helper, const char *server, int exit_status,
			 const char *text, size_t len, bool truncated, struct lb_creds *out,
			 struct lb_err *err);

/* Runs docker-credential-<helper> get for `server`, at most timeout_ms. */
int lb_credhelper_get(const char *helper, const char *server, unsigned timeout_ms,
		      struct lb_creds *out, struct lb_err *err);

#endif
