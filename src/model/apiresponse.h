/* apiresponse.h - the stored responses of the Responses API (docs/api.md,
 * "Responses"): a call of POST /v1/responses with store (the default) is a
 * question and answer of the user's, and also a row naming them by the response's
 * id, with the response object as the client got it, its input items, and the
 * conversation as items for previous_response_id. Every lookup is by id and user:
 * another user's response is not found. */
#ifndef LLMMETA_APIRESPONSE_H
#define LLMMETA_APIRESPONSE_H

#include <stdint.h>

#include "../db/db.h"

/* What a stored response holds (JSON texts), as written and as read. */
struct apiresponse {
	char id[130]; /* ours (resp_...), or a native provider's, which may be longer */
	char conv_uuid[37];
	char *response, *input_items, *context;
};

/* Writes the row of a call whose question and answer (answer_id 0: none) were just
 * written in conversation conv_id, in the caller's transaction. 0 or -1. */
int apiresponse_insert(db *d, const struct apiresponse *r, int64_t user_id, int64_t conv_id, int64_t question_id,
		       int64_t answer_id);
/* The user's stored response id: 1 found (r filled; free with apiresponse_clear), 0
 * not found (or another user's), -1 error. */
int apiresponse_find(db *d, const char *id, int64_t user_id, struct apiresponse *r);
/* Deletes the user's stored response id with its question and answer: 1 deleted, 0
 * not found (or another user's), -1 error. */
int apiresponse_delete(db *d, const char *id, int64_t user_id);
void apiresponse_clear(struct apiresponse *r);

#endif
