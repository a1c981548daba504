/* compare.h - comparisons: one question asked of several columns (a model and its
 * parameters each) at once, every column recorded as a conversation of its own and
 * linked to the comparison in order; the blind vote on them, and the votes read
 * back for the leaderboard and its downloads (docs/compare.md). The SQL lives in
 * compare.c.
 *
 * A comparison named by its uuid is looked up with the user id: another user's is
 * not found. */
#ifndef LLMMETA_COMPARE_H
#define LLMMETA_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"
#include "conversation.h"

/* At most this many columns in one comparison. */
#define COMPARE_MAX_COLUMNS 6

struct compare_column {
	int position;       /* 1.. in the order the columns were entered */
	char label[4];      /* "A".. as shown; shuffled when blind */
	int64_t conv_id;    /* -1 when its conversation was deleted */
	char conv_uuid[37]; /* "" then */
	char *provider, *model;
	int64_t max_tokens, top_k; /* -1: not sent */
	double temperature, top_p; /* NAN: not sent */
};

struct comparison {
	int64_t id;
	char uuid[37];
	int64_t user_id;
	char *username;
	int64_t created_at;
	char *question;
	bool blind, arena;
	char *winner; /* a label, "tie" or "all_bad"; NULL before the vote */
	int64_t voted_at;
	struct compare_column *cols; /* in label order */
	size_t ncols;
};

/* A comparison to store: its columns' questions (provider, model and parameters as
 * sent; content the question) with their labels, and the file they share. */
struct new_comparison {
	int64_t user_id;
	const char *question, *title;
	bool blind, arena;
	int64_t instance_id;
	size_t n;
	struct message *q[COMPARE_MAX_COLUMNS];
	const char *label[COMPARE_MAX_COLUMNS];
	const char *file_name, *file_type;
	const void *file_data;
	size_t file_len;
	/* out */
	char uuid[37];
	int64_t conv_id[COMPARE_MAX_COLUMNS], question_id[COMPARE_MAX_COLUMNS];
	char conv_uuid[COMPARE_MAX_COLUMNS][37];
};

/* Stores the comparison, each column's conversation and question (marked in flight
 * by instance_id) and the file, in one transaction: 0, or -1 with nothing written. */
int compare_create(db *d, struct new_comparison *c);
/* The user's comparison uuid with its columns: 1 found, 0 not (or not theirs), -1
 * error. Free with compare_free. */
int compare_get(db *d, const char *uuid, int64_t user_id, struct comparison *c);
void compare_free(struct comparison *c);
/* Records the vote on the user's comparison uuid, once: 1 voted, 0 not found (or
 * not theirs), 2 voted already, -1 error. */
int compare_vote(db *d, const char *uuid, int64_t user_id, const char *winner);
/* The voted comparisons, oldest vote first, with their columns (in label order) and
 * usernames: of user_id, or of every user when 0. Free with compare_list_free. */
int compare_votes(db *d, int64_t user_id, struct comparison **out, size_t *n);
void compare_list_free(struct comparison *c, size_t n);
/* The uuid of the comparison that conversation conv_id is a column of (caller
 * frees), or NULL when it is none's (or on error). */
char *compare_of_conversation(db *d, int64_t conv_id);

#endif
