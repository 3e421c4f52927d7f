/* The spec's networks, by name only: the network the container was created
 * on goes into create.NetworkingConfig (the Engine API takes one there), the
 * others are listed for the caller to connect after create. Each endpoint
 * keeps only the aliases the user gave; ids, addresses and the alias Docker
 * derives from the container id belong to the source host. */
#include "migrate/spec_internal.h"

#include "docker/jsonfile.h"

#include <stdio.h>
#include <string.h>

/* Docker's own networks, which take no endpoint settings by name. */
static bool is_builtin(const char *name)
{
	return !strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none") ||
	       !strcmp(name, "default");
}

static void drop_endpoint_field(struct lb_spec_tr *t, const char *net, const json_t *ep,
				const char *key, const char *why)
{
	const json_t *v = json_object_get(ep, key);
	if (lb_spec_is_zero(v))
		return;
	char field[400];
	snprintf(field, sizeof(field), "NetworkSettings.Networks[%.256s].%s", net, key);
	lb_spec_change(t, field, "dropped", v, NULL, why);
}

static int one_network(struct lb_spec_tr *t, const char *name, const json_t *ep,
		       const char *primary, json_t *endpoints)
{
	char field[300];
	snprintf(field, sizeof(field), "NetworkSettings.Networks[%.256s]", name);
	if (!json_is_object(ep))
		return lb_spec_bad(t, "config.v2.json", field, "an object");
	const json_t *aliases = json_object_get(ep, "Aliases");
	if (aliases && !json_is_null(aliases) && !json_is_array(aliases))
		return lb_spec_bad(t, "config.v2.json", field, "Aliases as an array");
	drop_endpoint_field(t, name, ep, "NetworkID", "the network's id on the source host");
	drop_endpoint_field(t, name, ep, "EndpointID", "the endpoint's id on the source host");
	drop_endpoint_field(t, name, ep, "IPAddress", "an address on the source host's network");
	drop_endpoint_field(t, name, ep, "GlobalIPv6Address",
			    "an address on the source host's network");
	drop_endpoint_field(t, name, ep, "MacAddress", "a MAC address on the source host's network");
	drop_endpoint_field(t, name, ep, "IPAMConfig",
			    "fixed addresses of the source host's network; the target's subnet "
			    "may differ");
	drop_endpoint_field(t, name, ep, "Links", "links name containers of the source host");
	drop_endpoint_field(t, name, ep, "DriverOpts", "endpoint driver options are not carried");
	if (is_builtin(name))
		return t->rc;
	json_t *kept = json_array();
	size_t i;
	json_t *a;
	json_array_foreach(aliases, i, a) {
		const char *s = json_string_value(a);
		if (!s)
			return json_decref(kept), lb_spec_bad(t, "config.v2.json", field,
							      "Aliases as strings");
		if (strcmp(s, t->short_id)) /* Docker adds that one itself */
			lb_spec_append(t, kept, json_deep_copy(a));
	}
	bool is_primary = primary && !strcmp(primary, name);
	json_t *net = json_object();
	lb_spec_put(t, net, "name", lb_dj_string(name));
	lb_spec_put(t, net, "aliases", json_deep_copy(kept));
	lb_spec_put(t, net, "primary", json_boolean(is_primary));
	lb_spec_append(t, t->networks, net);
	if (is_primary) {
		json_t *epc = json_object();
		if (json_array_size(kept))
			lb_spec_put(t, epc, "Aliases", json_incref(kept));
		lb_spec_put(t, endpoints, name, epc);
	}
	json_decref(kept);
	return t->rc;
}

int lb_spec_networks(struct lb_spec_tr *t, const json_t *config_v2)
{
	const json_t *settings = json_object_get(config_v2, "NetworkSettings");
	const json_t *nets = json_object_get(settings, "Networks");
	if (!nets || json_is_null(nets))
		return t->rc;
	if (!json_is_object(nets))
		return lb_spec_bad(t, "config.v2.json", "NetworkSettings.Networks", "an object");
	const char *primary = json_string_value(json_object_get(t->host, "NetworkMode"));
	json_t *endpoints = json_object();
	const char *name;
	json_t *ep;
	json_object_foreach((json_t *)nets, name, ep)
		if (one_network(t, name, ep, primary, endpoints))
			break;
	if (!t->rc && json_object_size(endpoints)) {
		json_t *nc = json_object();
		lb_spec_put(t, nc, "EndpointsConfig", endpoints);
		lb_spec_put(t, t->create, "NetworkingConfig", nc);
	} else {
		json_decref(endpoints);
	}
	return t->rc;
}
