/* password.h - password hashing (Argon2id through libsodium), verification of the
 * hashes imported from Django (pbkdf2_sha256), and Django's password rules. */
#ifndef LLMMETA_PASSWORD_H
#define LLMMETA_PASSWORD_H

#include <stdbool.h>

#include "../core/buf.h"

/* Hashes pw into out (crypto_pwhash_STRBYTES = 128 bytes). Returns 0, or -1 when
 * memory for Argon2 cannot be had. */
int password_hash(const char *pw, char out[128]);
/* True when pw matches stored (an Argon2id string or Django's pbkdf2_sha256$...). */
bool password_verify(const char *pw, const char *stored);
/* True when some password can match stored: false for an account made by signing
 * in with a provider ("") and for Django's unusable "!..." hashes. */
bool password_usable(const char *stored);
/* True when stored should be replaced by a fresh password_hash at the next login. */
bool password_needs_rehash(const char *stored);
/* PBKDF2-HMAC-SHA256 (RFC 8018), exposed for the tests. */
void pbkdf2_sha256(const char *pw, const char *salt, unsigned iterations, unsigned char out[32]);
/* Checks a new password against Django's default validators: length, common,
 * numeric, similar to the username or e-mail. Appends each problem as a sentence
 * followed by '\n' to errs; returns the number of problems. */
int password_check(const char *pw, const char *username, const char *email, buf *errs);

#endif
