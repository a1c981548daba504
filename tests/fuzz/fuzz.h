/* fuzz.h - what the libFuzzer harnesses share: the entry point's prototype, a
 * property check that aborts (so that libFuzzer records the input as a crash), and
 * NUL-terminated copies of the fuzzer's bytes for APIs that take C strings. */
#ifndef LLMMETA_FUZZ_H
#define LLMMETA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for every input: a violation is a finding like a crash. */
#define FUZZ_CHECK(cond, ...)                                                                  \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                          \
			fputc('\n', stderr);                                                   \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* A NUL-terminated copy of n bytes (which may hold NULs of their own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
