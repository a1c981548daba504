/* fuzz_password.c - the password code that reads stored or typed input
 * (src/auth/password.c): verification against Django's pbkdf2_sha256 hashes, which
 * import-django brings in from another database, and Django's password rules.
 *
 * The input is "password NUL stored-hash NUL username NUL email". Argon2 strings are
 * left to libsodium's own parser (and its memory cost), and iteration counts above
 * 1000 are skipped to keep runs fast; the parsing is the same. Checks: verification
 * is repeatable and a hash recomputed from the parts it parsed verifies; the rules
 * return as many problems as lines they wrote. */
#include "fuzz.h"

#include <sodium.h>
#include <stdbool.h>

#include "../../src/auth/password.h"
#include "../../src/core/util.h"

/* The next NUL-separated part of the input. */
static char *part(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	const uint8_t *stop = nul ? nul : end;
	char *s = fuzz_strndup(*p, (size_t)(stop - *p));
	*p = nul ? nul + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0)
		abort();
	const uint8_t *p = data, *end = data + size;
	char *pw = part(&p, end), *stored = part(&p, end), *user = part(&p, end), *email = part(&p, end);

	bool fast = !str_starts(stored, "$argon2");
	if (str_starts(stored, "pbkdf2_sha256$"))
		fast = strtoul(stored + 14, NULL, 10) <= 1000;
	if (fast) {
		bool ok = password_verify(pw, stored);
		FUZZ_CHECK(ok == password_verify(pw, stored), "verification not repeatable");
		(void)password_needs_rehash(stored);
	}

	/* A well-formed hash of pw with a salt from the input must verify. */
	if (strlen(user) < 64 && !strchr(user, '$')) {
		unsigned char h[32];
		unsigned iter = 1 + (unsigned)(size % 50);
		pbkdf2_sha256(pw, user, iter, h);
		char b64[64], good[200];
		sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
		snprintf(good, sizeof good, "pbkdf2_sha256$%u$%s$%s", iter, user, b64);
		FUZZ_CHECK(password_verify(pw, good), "a hash made from the password does not verify: %s", good);
	}

	buf errs = BUF_INIT;
	int problems = password_check(pw, user, email, &errs);
	size_t lines = 0;
	for (size_t i = 0; i < errs.len; i++)
		lines += errs.data[i] == '\n';
	FUZZ_CHECK(problems >= 0 && (size_t)problems == lines, "%d problems, %zu lines", problems, lines);
	buf_free(&errs);
	free(pw);
	free(stored);
	free(user);
	free(email);
	return 0;
}
