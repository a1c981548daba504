/* apicall.h - recording calls of the OpenAI-compatible API (docs/api.md): each call
 * is a question and its answer in a conversation of source 'api', written when the
 * call has ended, many calls in one transaction (the group commit of
 * src/web/api_writer.c), with the keys' use counted in the same transaction. */
#ifndef LLMMETA_APICALL_H
#define LLMMETA_APICALL_H

#include <stdint.h>

#include "../db/db.h"
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
	/* Out: what was written. */
	int64_t conv_id, question_id, answer_id;
};

/* Writes calls[0..n) in one transaction, with each key's calls and last use. 0, or
 * -1 with nothing written (the caller may then try them one by one). */
int apicall_record(db *d, struct apicall *const *calls, size_t n);

#endif
