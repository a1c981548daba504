/* apikey.c - API keys: made here, checked on every API request (see auth.h). The
 * key is read from the database on every request, with no cache, so that revoking
 * a key, deactivating its user or reaching its expiry holds from the next request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "../model/apikey.h"
#include "auth.h"

int auth_apikey_create(db *d, int64_t user_id, const char *name, int64_t expires_at, char *key, int64_t *id)
{
	char token[64];
	rand_token(token, sizeof token, 32); /* 43 characters */
	memcpy(key, APIKEY_PREFIX, strlen(APIKEY_PREFIX));
	memcpy(key + strlen(APIKEY_PREFIX), token, 44); /* with its NUL */
	char hash[65], prefix[APIKEY_SHOWN + 1];
	sha256_hex(hash, key, strlen(key));
	memcpy(prefix, key, APIKEY_SHOWN);
	prefix[APIKEY_SHOWN] = '\0';
	return apikey_insert(d, user_id, name, prefix, hash, expires_at, id);
}

int auth_apikey_load(db *d, http_req *r)
{
	const char *key = http_bearer(r);
	if (!key)
		return 0;
	while (*key == ' ')
		key++;
	size_t len = strlen(key);
	if (len != APIKEY_LEN || strncmp(key, APIKEY_PREFIX, strlen(APIKEY_PREFIX)) != 0)
		return 0; /* not one of ours: no query */
	char hash[65];
	sha256_hex(hash, key, len);
	int64_t key_id, user_id;
	char *name = NULL;
	bool admin;
	int rc = apikey_owner(d, hash, now_ms(), &key_id, &user_id, &name, &admin);
	if (rc == 1) {
		struct visitor *v = visitor_edit(r);
		if (!v) {
			free(name);
			return -1;
		}
		free(v->name);
		v->user_id = user_id;
		v->name = name;
		v->admin = admin;
		v->key_id = key_id;
	}
	return rc;
}
