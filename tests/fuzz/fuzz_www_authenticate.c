/* libFuzzer target: lib/registry/www_authenticate, the header a registry
 * (or anything answering in its place) sends with a 401. A parse that
 * succeeds leaves every field NUL-terminated within its size, with no
 * control character but tab (a realm goes into a URL, a token request), and
 * a Bearer challenge always has a realm. Then a challenge built from the
 * input's bytes as a quoted, escaped realm must give those bytes back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/www_authenticate.h"

static void field_ok(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);
	if (!end)
		abort();
	for (; s < end; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_www_auth a;
	struct lb_err err;
	if (lb_www_auth_parse((const char *)data, size, &a, &err) == 0) {
		field_ok(a.realm, sizeof(a.realm));
		field_ok(a.service, sizeof(a.service));
		field_ok(a.scope, sizeof(a.scope));
		field_ok(a.error, sizeof(a.error));
		if (a.scheme == LB_AUTH_BEARER && !a.realm[0])
			abort();
	}
	/* Round trip: the input (up to a NUL or control byte, at most 500
	 * bytes) as a quoted realm. */
	char realm[501], header[1100];
	size_t n = 0;
	for (; n < size && n < 500 && (data[n] >= 0x20 || data[n] == '\t'); n++)
		realm[n] = (char)data[n];
	realm[n] = '\0';
	size_t h = (size_t)snprintf(header, sizeof(header), "Bearer realm=\"");
	for (size_t i = 0; i < n; i++) {
		if (realm[i] == '"' || realm[i] == '\\')
			header[h++] = '\\';
		header[h++] = realm[i];
	}
	h += (size_t)snprintf(header + h, sizeof(header) - h, "\",service=\"s\"");
	if (lb_www_auth_parse(header, h, &a, &err)) {
		if (n > 0)
			abort();
		return 0; /* an empty realm is refused for Bearer */
	}
	if (a.scheme != LB_AUTH_BEARER || strcmp(a.realm, realm) || strcmp(a.service, "s"))
		abort();
	return 0;
}
