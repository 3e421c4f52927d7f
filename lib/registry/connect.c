#include "registry/connect.h"
#include "registry/credhelper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_registry_connect(const struct lb_image_ref *ref, const struct lb_connect_opts *o,
			struct lb_registry **out, struct lb_err *err)
{
	struct lb_registry_opts ro;
	lb_registry_opts_default(&ro);
	ro.tls_verify = o->tls_verify;
	ro.cacert = o->cacert;
	if (o->stall_seconds)
		ro.stall_seconds = o->stall_seconds;
	int rc = o->creds ? lb_creds_parse(o->creds, &ro.creds, err)
			  : lb_authfile_lookup(o->authfile, ref->domain, &ro.creds, err);
	if (!rc && !ro.creds.have && ro.creds.helper[0]) {
		char server[300], helper[sizeof(ro.creds.helper)];
		memcpy(helper, ro.creds.helper, sizeof(helper));
		lb_credhelper_server(ref->domain, server, sizeof(server));
		/* A helper that hangs (a locked keychain) must not hang the move. */
		unsigned timeout_ms = (o->stall_seconds ? o->stall_seconds : 30) * 1000u;
		rc = lb_credhelper_get(helper, server, timeout_ms, &ro.creds, err);
	}
	if (rc)
		return rc;
	struct lb_registry *r;
	if ((rc = lb_registry_open(ref->domain, lb_image_ref_api_host(ref), &ro, &r, err)))
		return rc;
	char scope[700];
	snprintf(scope, sizeof(scope), "repository:%s:%s", ref->path, o->push ? "pull,push" : "pull");
	rc = lb_registry_add_scope(r, scope, err);
	if (!rc && o->mount_from) {
		if (!lb_repo_path_valid(o->mount_from))
			rc = lb_fail(err, LB_EUSAGE, "--mount-from %.300s: not a repository name",
				     o->mount_from);
		snprintf(scope, sizeof(scope), "repository:%s:pull", o->mount_from);
		if (!rc)
			rc = lb_registry_add_scope(r, scope, err);
	}
	if (!rc)
		rc = lb_registry_ping(r, err);
	if (rc) {
		lb_registry_close(r);
		return rc;
	}
	*out = r;
	return LB_OK;
}
