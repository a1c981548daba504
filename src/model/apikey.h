/* apikey.h - API keys for the OpenAI-compatible API (docs/api.md): the SQL of the
 * api_keys table. The key itself never reaches the database: only its SHA-256
 * (key_hash) and its first characters (prefix, to tell keys apart in the list). */
#ifndef LLMMETA_APIKEY_H
#define LLMMETA_APIKEY_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

struct apikey {
	int64_t id;
	char *name;
	char prefix[16];
	int64_t created_at, expires_at, last_used_at, revoked_at; /* -1: none */
	int64_t calls;
};

/* The key still lets its owner in at now: neither revoked nor expired (the same
 * test apikey_owner's query makes). */
static inline bool apikey_live(const struct apikey *k, int64_t now)
{
	return k->revoked_at < 0 && (k->expires_at < 0 || k->expires_at > now);
}

/* Stores a key (its hash and prefix) for user_id; expires_at -1 for none. 0 and
 * *id, or -1. */
int apikey_insert(db *d, int64_t user_id, const char *name, const char *prefix, const char *key_hash,
		  int64_t expires_at, int64_t *id);
/* The user's keys, newest first (revoked ones too); free with apikey_list_free. */
int apikey_list(db *d, int64_t user_id, struct apikey **out, size_t *n);
void apikey_list_free(struct apikey *k, size_t n);
/* Revokes the user's key id: 1 revoked (or already was), 0 not found or not theirs,
 * -1 error. */
int apikey_revoke(db *d, int64_t user_id, int64_t id);

/* Who a key (by its hash) belongs to, when it may be used at time now: not revoked,
 * not expired, its user active. 1 found (the ids, username and admin flag filled;
 * the caller frees *username), 0 not usable, -1 error. One query, no cache: a
 * revocation holds from the next request on. */
int apikey_owner(db *d, const char *key_hash, int64_t now, int64_t *key_id, int64_t *user_id, char **username,
		 bool *admin);

#endif
