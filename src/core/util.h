/* util.h - small shared tools: time, random tokens, string helpers, UTF-8. */
#ifndef LLMMETA_UTIL_H
#define LLMMETA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Milliseconds since the Unix epoch (wall clock) and a monotonic clock in ms (and
 * in microseconds, for timing requests that take less than one). */
int64_t now_ms(void);
int64_t mono_ms(void);
int64_t mono_us(void);
/* "2026-11-25T20:31:43.123Z"; out must hold 32 bytes. */
void fmt_iso8601(char out[32], int64_t ms);

/* A fresh random token of nbytes random bytes, base64url without padding, in out
 * (which must hold at least 4*nbytes/3+2 bytes). Uses the OS CSPRNG (libsodium). */
void rand_token(char *out, size_t outlen, size_t nbytes);
/* A random (version 4) UUID, lower-case; out holds 37 bytes. */
void uuid_v4(char out[37]);
/* Lower-case hex SHA-256 of data; out holds 65 bytes. */
void sha256_hex(char out[65], const void *data, size_t len);

/* The environment variable name, else alias (NULL: none), else def; a variable set
 * to the empty string counts as unset. */
const char *env_or(const char *name, const char *alias, const char *def);

/* Formats a one-line reason into err and returns -1: `return errf(err, n, ...)`. */
int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies that never abort: each returns NULL when memory runs out, and the caller
 * checks. xstrdup(NULL) is NULL too, so that an optional string (a column that may
 * be NULL, an unset variable) is copied as it is, in one call; a caller that passes
 * a string that may be NULL tells the two apart by its argument (`s && !copy` is out
 * of memory). xstrndup copies n bytes of s, NULs included, and adds one; s is never
 * NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
bool str_starts(const char *s, const char *prefix);
bool str_eq_ci(const char *a, const char *b);
/* Lower-cases ASCII letters in place; returns s. */
char *str_lower(char *s);
/* Strips leading and trailing ASCII white space in place; returns s. */
char *str_trim(char *s);
/* True when all of s is white space (or s is empty). */
bool str_blank(const char *s);

/* Strict whole-string number parsers: no sign games, no trailing junk, range checked. */
bool parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

bool utf8_valid(const char *s, size_t len);
/* The characters (code points) of UTF-8 text s[0..len): the unit of the length
 * limits a user reads. */
size_t utf8_chars(const char *s, size_t len);
/* The length of s[0..len) cut to at most max bytes, never inside a UTF-8 character
 * (printf's %.Ns cuts by bytes: text cut so is no longer valid UTF-8, which JSON
 * and PostgreSQL refuse). Use as "%.*s", (int)utf8_cut(s, len, max), s. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* Appends s[0..len) to b as valid UTF-8 without control characters: each invalid
 * byte becomes U+FFFD, each control character a space (a provider's text for a
 * message). */
void utf8_clean(buf *b, const char *s, size_t len);
/* Copies at most size-1 bytes of s into out, cut at a character boundary and at the
 * first line break: a title from a longer text. */
void utf8_title(char *out, size_t size, const char *s);

/* The value of a hex digit, or -1. */
int hexval(char c);
/* Whether s[0..len) has the shape of a UUID: 8-4-4-4-12 hexadecimal digits. */
bool uuid_shaped(const char *s, size_t len);
/* Percent-encodes s for a URL query component. */
void url_encode(buf *b, const char *s);
/* Decodes %XX and '+' in place (application/x-www-form-urlencoded); returns the new
 * length. Invalid escapes are kept literally. */
size_t url_decode(char *s, size_t len);

#endif
