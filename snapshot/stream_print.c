#include "snapshot/stream_print.h"

static const char *status(const struct lb_stream_result *r, int rc)
{
	return !rc ? "ok" : r->incomplete ? "incomplete" : "corrupt";
}

json_t *lb_stream_result_json(const char *file, const struct lb_stream_result *r, int rc)
{
	json_t *o = json_pack("{s:s, s:s}", "file", file, "status", status(r, rc));
	if (!o || !r->header_ok)
		return o;
	const struct lb_stream_header *h = &r->header;
	char uuid[33], base[33];
	lb_stream_uuid_format(h->uuid, uuid);
	lb_stream_uuid_format(h->base_uuid, base);
	const bool full = lb_stream_is_full(h);
	json_object_set_new(o, "kind", json_string(full ? "full" : "incremental"));
	json_object_set_new(o, "uuid", json_string(uuid));
	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "base_uuid", full ? json_null() : json_string(base));
	json_object_set_new(o, "base_name", full ? json_null() : json_string(h->base_name));
	json_object_set_new(o, "container_id", json_string(h->container_id));
	json_object_set_new(o, "created", json_integer(h->created_unix));
	json_object_set_new(o, "block_size_bytes", json_integer(h->block_bytes));
	json_object_set_new(o, "size_bytes", json_integer((json_int_t)h->size_bytes));
	if (rc)
		return o;
	const struct lb_stream_totals *t = &r->totals;
	json_object_set_new(o, "records", json_integer((json_int_t)t->records));
	json_object_set_new(o, "data_blocks", json_integer((json_int_t)t->data_blocks));
	json_object_set_new(o, "zero_blocks", json_integer((json_int_t)t->zero_blocks));
	json_object_set_new(o, "unmapped_blocks", json_integer((json_int_t)t->unmapped_blocks));
	json_object_set_new(o, "stream_bytes", json_integer((json_int_t)t->stream_bytes));
	return o;
}

void lb_stream_result_print(FILE *out, const char *file, const struct lb_stream_result *r)
{
	const struct lb_stream_header *h = &r->header;
	const struct lb_stream_totals *t = &r->totals;
	char uuid[33];
	lb_stream_uuid_format(h->uuid, uuid);
	fprintf(out, "%s: %s %s %s, %llu blocks (%llu data, %llu zero, %llu unmapped): OK\n", file,
		lb_stream_is_full(h) ? "full" : "incremental", uuid, h->name,
		(unsigned long long)(t->data_blocks + t->zero_blocks + t->unmapped_blocks),
		(unsigned long long)t->data_blocks, (unsigned long long)t->zero_blocks,
		(unsigned long long)t->unmapped_blocks);
}
