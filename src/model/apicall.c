/* apicall.c - the API's calls written in batches (see apicall.h). */
#include "apicall.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "field.h"

/* The conversation and the question; *fresh when the conversation is new here. */
static int write_question(db *d, struct apicall *c, int64_t instance_id, bool *fresh)
{
	int rc = c->uuid[0] ? conv_find_or_create(d, c->uuid, c->user_id, c->title, "api", &c->conv_id) : 0;
	if (rc < 0)
		return -1;
	*fresh = rc == 0;
	if (*fresh) {
		/* No id given, or (a race past the check at the call's start) the id became
		 * another user's: the call is recorded anyway, in a conversation of its own. */
		char uuid[37];
		if (conv_create(d, c->user_id, c->title, "api", uuid, &c->conv_id) < 0)
			return -1;
		snprintf(c->uuid, sizeof c->uuid, "%s", uuid);
	}
	if (msg_insert(d, c->question, c->conv_id, c->user_id, &c->question_id) < 0)
		return -1;
	return instance_id > 0 && db_exec(d, "UPDATE messages SET instance_id = ? WHERE id = ?",
					  DB_ARGS(db_v_int(instance_id), db_v_int(c->question_id))) != 1
		       ? -1
		       : 0;
}

int apicall_begin(db *d, struct apicall *const *calls, size_t n)
{
	if (db_begin(d) < 0)
		return -1;
	int rc = 0;
	bool fresh;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = write_question(d, calls[i], calls[i]->instance_id, &fresh);
	if (rc == 0 && db_commit(d) == 0)
		return 0;
	db_rollback(d);
	return -1;
}

static int write_call(db *d, struct apicall *c)
{
	c->answer_id = 0;
	bool fresh = false;
	const struct message *q = c->question;
	if (c->begun) {
		/* On record since the call began: its outcome, and it is no longer in flight
		 * (a status that is not "ok" changes how it shows: the revision moves). */
		if (strcmp(q->status, "ok") != 0 ? msg_set_status(d, c->question_id, q->status, q->error, q->elapsed_ms) < 0
						 : db_exec(d, "UPDATE messages SET elapsed_ms = ?, instance_id = NULL WHERE id = ?",
							   DB_ARGS(none_or_int(q->elapsed_ms), db_v_int(c->question_id))) != 1)
			return -1;
	} else if (write_question(d, c, 0, &fresh) < 0) {
		return -1;
	}
	if (c->answer && msg_insert(d, c->answer, c->conv_id, c->user_id, &c->answer_id) < 0)
		return -1;
	if (c->response &&
	    apiresponse_insert(d, c->response, c->user_id, c->conv_id, c->question_id, c->answer_id) < 0)
		return -1;
	/* A conversation created here is as new as its activity time says already. */
	return fresh ? 0 : conv_touch(d, c->conv_id);
}

int apicall_record(db *d, struct apicall *const *calls, size_t n)
{
	int64_t now = now_ms();
	if (db_begin(d) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = write_call(d, calls[i]);
	/* One update per key, however many of its calls the batch holds. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int64_t key = calls[i]->key_id, count = 0;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = calls[k]->key_id == key;
		if (seen || key <= 0)
			continue;
		for (size_t k = i; k < n; k++)
			count += calls[k]->key_id == key;
		if (db_exec(d, "UPDATE api_keys SET calls = calls + ?, last_used_at = ? WHERE id = ?",
			    DB_ARGS(db_v_int(count), db_v_int(now), db_v_int(key))) < 0)
			rc = -1;
	}
	if (rc == 0 && db_commit(d) == 0)
		return 0;
	db_rollback(d);
	return -1;
}
