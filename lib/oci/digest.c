#include "oci/digest.h"

#include <openssl/evp.h>
#include <string.h>

bool lb_digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7))
		return false;
	for (int i = 0; i < 64; i++) {
		char c = s[7 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[71] == '\0';
}

const char *lb_digest_hex(const char *s)
{
	return s + 7;
}

void lb_digest_format(const unsigned char md[32], char out[LB_DIGEST_CAP])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

void lb_digest_of(const void *buf, size_t len, char out[LB_DIGEST_CAP])
{
	unsigned char md[32];
	unsigned int md_len = 0;
	EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL);
	lb_digest_format(md, out);
}
