/* exchange.h - recording one exchange (a question, then its answer or failure) as
 * the asking pages and, later, the API need it: each call is one transaction that
 * the model owns, so a question is never stored without its file or conversation,
 * nor an answer without its question's final status. */
#ifndef LLMMETA_EXCHANGE_H
#define LLMMETA_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"
#include "conversation.h"

struct new_question {
	int64_t user_id;
	int64_t conv_id;      /* in/out: 0 creates a conversation titled `title` */
	char uuid[37];        /* in/out: the conversation's UUID */
	const char *title;    /* for a new conversation */
	const char *source;   /* web | api */
	int64_t instance_id;  /* the server that will record its outcome (instance.h) */
	struct message *msg;  /* the question; its upload_id is set when a file is stored */
	/* An attached file, when file_name is not NULL. */
	const char *file_name, *file_type;
	const void *file_data;
	size_t file_len;
};

/* Stores the question (with its new conversation and its file). 0 and *id, or -1
 * with nothing written. */
int exchange_question(db *d, struct new_question *q, int64_t *id);
/* The same inside the caller's transaction (a comparison stores its columns'
 * questions in one): 0, or -1 with the transaction to be rolled back (and q->conv_id
 * to be forgotten with it). A question naming an upload_id already stored (its
 * file_name NULL) shares that file. */
int exchange_question_in(db *d, struct new_question *q, int64_t *id);
/* Stores the outcome of question_id - which is then no longer in flight: its status
 * and error (when not "ok"), the
 * answer when there is one (answer NULL: none, e.g. a failure before any text), and
 * the conversation's activity time. 0 (and *answer_id when an answer was stored),
 * or -1 with nothing written. */
int exchange_answer(db *d, int64_t conv_id, int64_t user_id, int64_t question_id, const char *status,
		    const char *error, int64_t elapsed_ms, const struct message *answer, int64_t *answer_id);

#endif
