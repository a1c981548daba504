/* identity.h - accounts at sign-in providers linked to users, and the sign-ins in
 * progress (docs/sign-in.md): the SQL for the identities and oauth_states tables. */
#ifndef LLMMETA_IDENTITY_H
#define LLMMETA_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

/* The user an identity is linked to: 1 found (*user_id set, its last use noted), 0
 * not linked, -1 error. */
int identity_find(db *d, const char *provider, const char *subject, int64_t now, int64_t *user_id);
/* Links (provider, subject) to user_id. 0 linked, 1 already linked (to anyone), -1 error. */
int identity_add(db *d, const char *provider, const char *subject, int64_t user_id, const char *email, int64_t now);
/* Creates a user without a usable password and links the identity to it, in one
 * transaction. email is "" or one the provider verified: the account's e-mail is
 * then marked verified. 0 created (*id set), 1 the username is taken, 2 the e-mail is taken,
 * 3 the identity was linked meanwhile, -1 error. */
int identity_create_user(db *d, const char *username, const char *email, const char *provider, const char *subject,
			 const char *identity_email, int64_t now, int64_t *id);

struct identity {
	int64_t id;
	char *provider, *email;
	int64_t created_at, last_used;
};
/* The user's identities, oldest first, into a fresh array (*out, caller frees with
 * identity_list_free). Returns how many, or -1. */
int identity_list(db *d, int64_t user_id, struct identity **out);
void identity_list_free(struct identity *l, int n);
/* Removes the user's identity id unless it is the user's last way to log in (no other
 * identity and !has_password). 1 removed, 0 no such identity of this user, 2 refused
 * (the last one), -1 error. */
int identity_remove(db *d, int64_t user_id, int64_t id, bool has_password);

/* ---- sign-ins in progress ---- */
struct oauth_state_row {
	char *browser_hash, *provider, *nonce, *verifier, *next;
	int64_t link_user_id; /* 0: a sign-in, else linking to this logged-in user */
};
/* How many live sign-ins addr has in progress, or -1. */
int oauth_states_in_progress(db *d, const char *addr, int64_t now);
/* Stores a sign-in in progress (expired ones are deleted on the way). 0 stored, 1 the
 * address has max_per_addr in progress already, -1 error. */
int oauth_state_put(db *d, const char *state_hash, const struct oauth_state_row *s, const char *addr, int64_t now,
		    int64_t expires, int max_per_addr);
/* Takes (reads and deletes) the live sign-in of state_hash started by the browser
 * of browser_hash: 1 found (out filled, free with oauth_state_clear), 0 none
 * (unknown, used, expired, or another browser's: that one is left alone), -1 error. */
int oauth_state_take(db *d, const char *state_hash, const char *browser_hash, int64_t now,
		     struct oauth_state_row *out);
void oauth_state_clear(struct oauth_state_row *s);

#endif
