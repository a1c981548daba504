/* answer.h - one answer's text, looked up with its owner's id (so another user's id
 * finds nothing, as for a message that does not exist): for the JSON viewer's "Open
 * in JSON viewer" without JavaScript (docs/json-viewer.md). */
#ifndef LLMMETA_MODEL_ANSWER_H
#define LLMMETA_MODEL_ANSWER_H

#include <stdint.h>

#include "../db/db.h"

/* The content of assistant message msg_id in a conversation of user_id: 1 (*content
 * set, caller frees), 0 none (not an answer, not theirs, not there), -1 error. */
int answer_content(db *d, int64_t user_id, int64_t msg_id, char **content);

#endif
