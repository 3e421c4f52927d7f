#include "util/size.h"

#include <stdio.h>
#include <string.h>

char *lb_size_human(char *buf, size_t cap, uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	unsigned exp = 0;
	while (exp + 1 < sizeof(units) - 1 && bytes >= (1ull << (10 * (exp + 1))))
		exp++;
	if (exp == 0) {
		snprintf(buf, cap, "%lluB", (unsigned long long)bytes);
		return buf;
	}
	uint64_t whole = bytes >> (10 * exp);
	uint64_t rest = bytes & ((1ull << (10 * exp)) - 1);
	/* One decimal, rounded; "1.0" is shown as "1". */
	uint64_t tenths = (rest * 10 + (1ull << (10 * exp)) / 2) >> (10 * exp);
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (whole == 1024 && units[exp + 1]) { /* 1023.96M is 1G, not 1024M */
		whole = 1;
		exp++;
	}
	if (tenths)
		snprintf(buf, cap, "%llu.%llu%c", (unsigned long long)whole,
			 (unsigned long long)tenths, units[exp]);
	else
		snprintf(buf, cap, "%llu%c", (unsigned long long)whole, units[exp]);
	return buf;
}

int lb_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int lb_parse_size(const char *s, uint64_t *out)
{
	char digits[32];
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	static const char units[] = "BKMGT";
	const char *unit = s + n, *at = *unit ? strchr(units, *unit) : units;
	if (!at)
		return -1;
	if (*unit && unit[1] && strcmp(unit + 1, "iB") && !(unit[1] == 'B' && !unit[2]))
		return -1;
	unsigned shift = 10u * (unsigned)(at - units);
	uint64_t v;
	if (lb_parse_u64(digits, UINT64_MAX >> shift, &v))
		return -1;
	*out = v << shift;
	return 0;
}
