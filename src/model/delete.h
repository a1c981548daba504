/* delete.h - removing a conversation: the confirmation page's summary, and the
 * deletion itself, which takes the conversation, its messages and the files that
 * no other message uses in one transaction; and removing one failed attempt from a
 * conversation. Only the owner's conversation is ever found: every call takes the
 * user id. */
#ifndef LLMMETA_DELETE_H
#define LLMMETA_DELETE_H

#include <stdint.h>

#include "../db/db.h"

/* The user's conversation uuid: 1 found (*title, which the caller frees and which
 * is "" when it has none, and its number of messages), 0 not found or not theirs,
 * -1 error. */
int conv_delete_summary(db *d, const char *uuid, int64_t user_id, char **title, int64_t *messages);
/* Deletes the user's conversation uuid with its messages and the uploads no other
 * message uses: 1 deleted, 0 not found or not theirs (nothing changed), -1 error
 * (nothing changed). */
int conv_delete(db *d, const char *uuid, int64_t user_id);

/* Removes a failed attempt from the user's conversation uuid: question msg_id,
 * which must be one whose status is not ok, and the answer after it when that one
 * is not ok either (a partial answer), with the file only they used; the
 * conversation's revision moves. One transaction. 1 done, 0 nothing such (not
 * theirs, not a question, not failed), -1 error (nothing changed). */
int conv_dismiss(db *d, const char *uuid, int64_t user_id, int64_t msg_id);

#endif
