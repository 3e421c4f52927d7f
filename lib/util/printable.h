/* Text read from a data root, made safe to show. A name or value lifeboat
 * read from a file may hold anything: control characters that would reach a
 * terminal raw, bytes that are not UTF-8 (which JSON cannot carry). The one
 * rule: printable ASCII stays as it is; every other byte, and the backslash,
 * becomes "\xNN". The result is printable ASCII, so it is valid UTF-8 too,
 * and cutting it anywhere keeps it so; and since a backslash only ever starts
 * an escape, it can be decoded back to the exact bytes (lb_unprintable). */
#ifndef LIFEBOAT_PRINTABLE_H
#define LIFEBOAT_PRINTABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the escaped form of n bytes, with the NUL. */
#define LB_PRINTABLE_CAP(n) (4 * (n) + 1)

/* Writes the escaped form of len bytes of `in` into out (cap bytes, cap > 0)
 * and returns out. What does not fit is left off at an escape's boundary,
 * never in the middle of one. */
char *lb_printable_n(char *out, size_t cap, const char *in, size_t len);

/* The same for a NUL-terminated string. */
char *lb_printable(char *out, size_t cap, const char *in);

/* Decodes lb_printable's output back into the original bytes (out, cap;
 * NUL-terminated). False if `in` is not such output (a backslash that does not
 * start "\xNN") or the bytes hold a NUL or do not fit. */
bool lb_unprintable(char *out, size_t cap, const char *in);

#endif
