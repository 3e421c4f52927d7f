#include "util/printable.h"

#include <string.h>

static bool stays(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

char *lb_printable_n(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		size_t need = stays(c) ? 1 : 4;
		if (used + need >= cap)
			break;
		if (need == 1) {
			out[used++] = (char)c;
			continue;
		}
		out[used++] = '\\';
		out[used++] = 'x';
		out[used++] = hex[c >> 4];
		out[used++] = hex[c & 15];
	}
	out[used] = '\0';
	return out;
}

char *lb_printable(char *out, size_t cap, const char *in)
{
	return lb_printable_n(out, cap, in, strlen(in));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool lb_unprintable(char *out, size_t cap, const char *in)
{
	size_t used = 0;
	while (*in) {
		int byte = (unsigned char)*in;
		if (*in == '\\') {
			int hi = in[1] == 'x' ? hex_value(in[2]) : -1;
			int lo = hi < 0 ? -1 : hex_value(in[3]);
			if (lo < 0)
				return false;
			byte = hi << 4 | lo;
			in += 4;
		} else {
			in++;
		}
		if (byte == 0 || used + 1 >= cap)
			return false;
		out[used++] = (char)byte;
	}
	if (cap == 0)
		return false;
	out[used] = '\0';
	return true;
}
