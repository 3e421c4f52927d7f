/* Pure: thin-pool params and status, kernel releases, mount options, LVM
 * names. The formats are dm-thin's (drivers/md/dm-thin.c: pool_ctr parses
 * the params, emit_flags and pool_status print them). */
#include "discard/discard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lb_discard_mode_name(enum lb_discard_mode mode)
{
	switch (mode) {
	case LB_DISCARD_PASSDOWN: return "passdown";
	case LB_DISCARD_NOPASSDOWN: return "nopassdown";
	case LB_DISCARD_IGNORE: return "ignore";
	}
	return "?";
}

/* Next whitespace-separated word of *p: its start and length; 0 at the end. */
static size_t next_word(const char **p, const char **start)
{
	const char *s = *p;
	while (*s && isspace((unsigned char)*s))
		s++;
	*start = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	*p = s;
	return (size_t)(s - *start);
}

static bool parse_u64(const char *word, size_t len, uint64_t *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, word, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)buf[i]))
			return false;
	*out = strtoull(buf, NULL, 10);
	return true;
}

static int copy_word(char *dst, size_t cap, const char *word, size_t len, const char *what,
		     struct lb_err *err)
{
	if (len == 0)
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: no %s", what);
	if (len >= cap)
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: %s too long", what);
	memcpy(dst, word, len);
	dst[len] = '\0';
	return LB_OK;
}

int lb_pool_params_parse(const char *params, struct lb_pool_params *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *p = params, *w;
	size_t n;
	int rc;
	n = next_word(&p, &w);
	if ((rc = copy_word(out->metadata_dev, sizeof(out->metadata_dev), w, n, "metadata device",
			    err)))
		return rc;
	n = next_word(&p, &w);
	if ((rc = copy_word(out->data_dev, sizeof(out->data_dev), w, n, "data device", err)))
		return rc;
	n = next_word(&p, &w);
	if (!parse_u64(w, n, &out->block_size_sectors))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: data block size '%.*s' is not a number",
			       (int)n, w);
	n = next_word(&p, &w);
	if (!parse_u64(w, n, &out->low_water_blocks))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: low water mark '%.*s' is not a number",
			       (int)n, w);
	size_t head_len = (size_t)(p - params);
	if (head_len >= sizeof(out->head))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: too long");
	memcpy(out->head, params, head_len);
	out->head[head_len] = '\0';

	uint64_t count = 0;
	n = next_word(&p, &w);
	if (n && !parse_u64(w, n, &count))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: feature count '%.*s' is not a number",
			       (int)n, w);
	if (count > LB_POOL_MAX_FEATURES)
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: %llu features, more than %d",
			       (unsigned long long)count, LB_POOL_MAX_FEATURES);
	for (uint64_t i = 0; i < count; i++) {
		n = next_word(&p, &w);
		if (!n)
			return lb_fail(err, LB_EINTEGRITY,
				       "thin-pool table: %llu features announced, %llu given",
				       (unsigned long long)count, (unsigned long long)i);
		if ((rc = copy_word(out->features[i], sizeof(out->features[i]), w, n, "feature", err)))
			return rc;
	}
	out->n_features = (size_t)count;
	if (next_word(&p, &w))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: unexpected '%.*s' after the features",
			       (int)strlen(w), w);
	return LB_OK;
}

bool lb_pool_params_has(const struct lb_pool_params *p, const char *feature)
{
	for (size_t i = 0; i < p->n_features; i++)
		if (!strcmp(p->features[i], feature))
			return true;
	return false;
}

enum lb_discard_mode lb_pool_params_discard(const struct lb_pool_params *p)
{
	if (lb_pool_params_has(p, "ignore_discard"))
		return LB_DISCARD_IGNORE;
	if (lb_pool_params_has(p, "no_discard_passdown"))
		return LB_DISCARD_NOPASSDOWN;
	return LB_DISCARD_PASSDOWN;
}

int lb_pool_params_add(struct lb_pool_params *p, const char *feature, struct lb_err *err)
{
	if (lb_pool_params_has(p, feature))
		return LB_OK;
	if (p->n_features == LB_POOL_MAX_FEATURES || strlen(feature) >= sizeof(p->features[0]))
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: no room for feature %s", feature);
	snprintf(p->features[p->n_features++], sizeof(p->features[0]), "%s", feature);
	return LB_OK;
}

int lb_pool_params_format(const struct lb_pool_params *p, char *out, size_t cap,
			  struct lb_err *err)
{
	int n = snprintf(out, cap, "%s %zu", p->head, p->n_features);
	for (size_t i = 0; i < p->n_features && n >= 0 && (size_t)n < cap; i++)
		n += snprintf(out + n, cap - (size_t)n, " %s", p->features[i]);
	if (n < 0 || (size_t)n >= cap)
		return lb_fail(err, LB_EINTEGRITY, "thin-pool table: too long to re-emit");
	return LB_OK;
}

int lb_pool_status_discard(const char *status, enum lb_discard_mode *out, char *mode_word,
			   struct lb_err *err)
{
	static const struct {
		const char *word;
		enum lb_discard_mode mode;
	} fields[] = {
		{"ignore_discard", LB_DISCARD_IGNORE},
		{"discard_passdown", LB_DISCARD_PASSDOWN},
		{"no_discard_passdown", LB_DISCARD_NOPASSDOWN},
	};
	const char *p = status, *w;
	size_t n, index = 0;
	char prev[32] = "";
	while ((n = next_word(&p, &w))) {
		if (index == 0 && n == 4 && !strncmp(w, "Fail", 4))
			return lb_fail(err, LB_EINTEGRITY, "thin-pool status: the pool has failed (Fail)");
		/* The field follows the metadata counts, so it is never among the
		 * first five words (transaction, metadata, data, held root, mode). */
		for (size_t i = 0; index >= 5 && i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (strlen(fields[i].word) != n || strncmp(w, fields[i].word, n))
				continue;
			*out = fields[i].mode;
			if (mode_word)
				snprintf(mode_word, 32, "%s", prev);
			return LB_OK;
		}
		snprintf(prev, sizeof(prev), "%.*s", (int)(n < 31 ? n : 31), w);
		index++;
	}
	return lb_fail(err, LB_EINTEGRITY, "thin-pool status: no discard field in '%.200s'", status);
}

void lb_kernel_discard_risk(const char *release, struct lb_kernel_risk *out)
{
	unsigned major = 0, minor = 0;
	bool numbered = sscanf(release, "%u.%u", &major, &minor) == 2;
	if (!strncmp(release, "3.10.0-", 7) && strstr(release, ".el7")) {
		out->affected = true;
		out->basis = "a RHEL/CentOS 7 kernel (3.10.0-*.el7): the dm-btree-remove.c BUG on "
			     "discards was reported on 3.10.0-123.13.1.el7 under Docker's devicemapper "
			     "driver (moby/moby#9862); which el7 build fixes it is not known here, so "
			     "every el7 kernel counts";
	} else if (!strncmp(release, "2.6.32-", 7) && strstr(release, ".el6")) {
		out->affected = true;
		out->basis = "a RHEL/CentOS 6 kernel (2.6.32-*.el6): the dm-btree-remove.c BUG on "
			     "discards was reported on CentOS 6.5 under Docker's devicemapper driver "
			     "(moby/moby#9862)";
	} else if (numbered && (major < 3 || (major == 3 && minor < 9))) {
		out->affected = true;
		out->basis = "older than Linux 3.9, which lacks the upstream fix to dm_btree_remove "
			     "on discards ('dm thin: fix discard corruption', March 2013)";
	} else {
		out->affected = false;
		out->basis = "the reports lifeboat knows of are RHEL/CentOS 6 "
			     "and 7 kernels and upstream kernels before 3.9";
	}
}

bool lb_mount_opts_have_discard(const char *opts)
{
	const char *p = opts;
	while (*p) {
		size_t n = strcspn(p, ",");
		if ((n == 7 && !strncmp(p, "discard", 7)) || (n > 8 && !strncmp(p, "discard=", 8)))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

bool lb_lvm_lv_of_dm_name(const char *dm_name, char *out, size_t cap)
{
	char parts[3][128];
	size_t n_parts = 0, len = 0;
	for (const char *s = dm_name;; s++) {
		if (*s == '-' && s[1] == '-') {
			s++; /* an escaped '-' inside a name */
		} else if (*s == '-' || *s == '\0') {
			if (len == 0 || n_parts == 3)
				return false;
			parts[n_parts++][len] = '\0';
			len = 0;
			if (*s == '\0')
				break;
			continue;
		}
		if (n_parts == 3 || len + 1 >= sizeof(parts[0]))
			return false;
		parts[n_parts][len++] = *s;
	}
	if (n_parts < 2)
		return false;
	int n = snprintf(out, cap, "%s/%s", parts[0], parts[1]);
	return n > 0 && (size_t)n < cap;
}
