/* apicall.h - recording calls of the OpenAI-compatible API (docs/api.md): each call
 * is a question and its answer in a conversation of source 'api'. The question is
 * written when the call begins, marked in flight by this instance (so that a crash
 * leaves it 'interrupted', model/instance.h); the outcome and the answer when it has
 * ended, with the keys' use counted in the same transaction; many calls in one
 * transaction either way (the group commit of src/web/call/recorder.c). */
#ifndef LLMMETA_APICALL_H
#define LLMMETA_APICALL_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"
#include "apiresponse.h"
#include "conversation.h"

struct apicall {
	int64_t user_id, key_id;
	/* The conversation: the client's X-Conversation-Id (lower case; created for the
	 * user when new), or "" for a new conversation of its own titled `title`. */
	char uuid[37];
	const char *title;
	/* The question (its status and error are the call's outcome) and the answer
	 * (NULL: the call failed before any answer came). */
	struct message *question, *answer;
	int64_t instance_id; /* this server's lease, for the question in flight */
	/* A stored response of /v1/responses, written with the answer (apiresponse.h);
	 * NULL for every other call. */
	const struct apiresponse *response;
	/* Set by the caller once apicall_begin's transaction has committed: the
	 * question is on record, and apicall_record completes it. */
	bool begun;
	/* Out: what was written. */
	int64_t conv_id, question_id, answer_id;
};

/* Writes the questions of calls[0..n) that begin, in flight, in one transaction. 0,
 * or -1 with nothing written (apicall_record then writes them whole). */
int apicall_begin(db *d, struct apicall *const *calls, size_t n);

/* Writes the outcome of calls[0..n) in one transaction - the question's final
 * status (the whole question when it did not begin on record) and the answer - with
 * each key's calls and last use. 0, or -1 with nothing written (the caller may then
 * try them one by one). */
int apicall_record(db *d, struct apicall *const *calls, size_t n);

#endif
