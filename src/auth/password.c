/* password.c - hashing and rules for passwords (see password.h). */
#include "password.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "common_passwords.h"

int password_hash(const char *pw, char out[128])
{
	return crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				     crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

void pbkdf2_sha256(const char *pw, const char *salt, unsigned iterations, unsigned char out[32])
{
	/* One block is all a 32-byte key needs: U1 = HMAC(pw, salt || INT(1)). The key's
	 * inner and outer pads are hashed once, into `keyed`; each iteration starts from a
	 * copy of it, so it costs two SHA-256 compressions instead of four, which is what
	 * keeps Django's 1,000,000 iterations well under a second at login. */
	crypto_auth_hmacsha256_state keyed, st;
	unsigned char u[32];
	const unsigned char one[4] = {0, 0, 0, 1};
	crypto_auth_hmacsha256_init(&keyed, (const unsigned char *)pw, strlen(pw));
	st = keyed;
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)salt, strlen(salt));
	crypto_auth_hmacsha256_update(&st, one, 4);
	crypto_auth_hmacsha256_final(&st, u);
	memcpy(out, u, 32);
	for (unsigned i = 1; i < iterations; i++) {
		st = keyed;
		crypto_auth_hmacsha256_update(&st, u, 32);
		crypto_auth_hmacsha256_final(&st, u);
		for (int k = 0; k < 32; k++)
			out[k] ^= u[k];
	}
	sodium_memzero(u, sizeof u);
	sodium_memzero(&keyed, sizeof keyed);
	sodium_memzero(&st, sizeof st);
}

/* pbkdf2_sha256$<iterations>$<salt>$<base64 hash> */
static bool verify_django(const char *pw, const char *stored)
{
	const char *p = stored + strlen("pbkdf2_sha256$");
	char *end;
	unsigned long iter = strtoul(p, &end, 10);
	if (*end != '$' || iter == 0 || iter > 10000000)
		return false;
	const char *salt = end + 1, *dollar = strchr(salt, '$');
	if (!dollar || dollar - salt > 255)
		return false;
	char saltbuf[256];
	memcpy(saltbuf, salt, (size_t)(dollar - salt));
	saltbuf[dollar - salt] = '\0';
	unsigned char want[32], got[32];
	size_t wlen;
	if (sodium_base642bin(want, sizeof want, dollar + 1, strlen(dollar + 1), NULL, &wlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || wlen != 32)
		return false;
	pbkdf2_sha256(pw, saltbuf, (unsigned)iter, got);
	bool ok = sodium_memcmp(want, got, 32) == 0;
	sodium_memzero(got, sizeof got);
	return ok;
}

bool password_verify(const char *pw, const char *stored)
{
	if (str_starts(stored, "$argon2"))
		return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
	if (str_starts(stored, "pbkdf2_sha256$"))
		return verify_django(pw, stored);
	return false; /* unusable (empty, or Django's "!" for social-only accounts) */
}

bool password_usable(const char *stored)
{
	return str_starts(stored, "$argon2") || str_starts(stored, "pbkdf2_sha256$");
}

bool password_needs_rehash(const char *stored)
{
	return !str_starts(stored, "$argon2id$") ||
	       crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

/* Python's difflib.SequenceMatcher.quick_ratio(): the share of characters the two
 * strings have in common as multisets, which is what Django's similarity rule uses. */
static double quick_ratio(const char *a, const char *b)
{
	int count[256] = {0};
	size_t la = strlen(a), lb = strlen(b), matches = 0;
	if (la + lb == 0)
		return 1.0;
	for (size_t i = 0; i < lb; i++)
		count[(unsigned char)b[i]]++;
	for (size_t i = 0; i < la; i++)
		if (count[(unsigned char)a[i]]-- > 0)
			matches++;
	return 2.0 * (double)matches / (double)(la + lb);
}

static bool similar_to(const char *pw, const char *part)
{
	const double max_similarity = 0.7;
	double pwlen = (double)strlen(pw), vlen = (double)strlen(part);
	if (vlen == 0 || (pwlen >= 10 * vlen && vlen < max_similarity / 2 * pwlen))
		return false; /* a long password may contain a short name */
	return quick_ratio(pw, part) >= max_similarity;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Django compares with the whole value and with each part of it split on \W+. */
static bool too_similar(const char *pw_lower, const char *value)
{
	char *v = xstrdup(value);
	if (!v)
		return false;
	str_lower(v);
	bool similar = similar_to(pw_lower, v);
	for (char *p = v; !similar && *p;) {
		size_t n = 0;
		while (p[n] && is_word_char(p[n]))
			n++;
		char end = p[n];
		p[n] = '\0';
		similar = similar_to(pw_lower, p);
		if (!end)
			break;
		p += n + 1;
		while (*p && !is_word_char(*p))
			p++;
	}
	free(v);
	return similar;
}

int password_check(const char *pw, const char *username, const char *email, buf *errs)
{
	int problems = 0;
	if (utf8_chars(pw, strlen(pw)) < 8) {
		buf_puts(errs, "This password is too short. It must contain at least 8 characters.\n");
		problems++;
	}
	char *lower = xstrdup(pw);
	if (lower) {
		str_lower(str_trim(lower));
		if (common_password(lower)) {
			buf_puts(errs, "This password is too common.\n");
			problems++;
		}
	}
	bool numeric = *pw != '\0';
	for (const char *p = pw; *p; p++)
		numeric &= isdigit((unsigned char)*p) != 0;
	if (numeric) {
		buf_puts(errs, "This password is entirely numeric.\n");
		problems++;
	}
	if (lower) {
		str_lower(strcpy(lower, pw));
		if (username && too_similar(lower, username)) {
			buf_puts(errs, "The password is too similar to the username.\n");
			problems++;
		} else if (email && too_similar(lower, email)) {
			buf_puts(errs, "The password is too similar to the email address.\n");
			problems++;
		}
	}
	free(lower);
	return problems;
}
