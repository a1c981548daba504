/* body.c - a request's body as it arrives (see body.h).
 *
 * Memory is bounded three ways: the request's own limit (413, decided by the app
 * before any byte is read); per file, only `file_keep` bytes are kept - the rest is
 * counted, not stored, and the file is marked cut, so a 29 MiB upload costs what the
 * app could ever use of it; and all bodies together may hold at most `budget` bytes:
 * a request that would pass it is answered 503 with Retry-After and its body thrown
 * away as it comes. Every multipart part is either read or the whole request is
 * refused with the reason (multipart.c): nothing is dropped in silence. */
#include "body.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/util.h"
#include "multipart.h"

enum { BODY_FORM = 1, BODY_MULTIPART, BODY_RAW };
#define MAX_FILES 64

static atomic_size_t held; /* bytes of bodies kept in memory, all requests */
static size_t budget;      /* 0: no budget */

bool body_over_budget(size_t declared)
{
	return budget && declared > budget - atomic_load(&held);
}

/* Takes n bytes of the budget for r; false (and r->busy) when they do not fit. */
static bool take(http_req *r, size_t n)
{
	if (r->busy)
		return false;
	if (budget && atomic_fetch_add(&held, n) + n > budget) {
		atomic_fetch_sub(&held, n);
		r->busy = true;
		return false;
	}
	if (!budget)
		atomic_fetch_add(&held, n);
	r->held += n;
	return true;
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *type, const char **why)
{
	http_req *r = ctx;
	r->part_file = NULL;
	r->part_skip = false;
	if (!filename) {
		r->part_field = true;
		r->part_cap = 0;
		if (kv_add(&r->form, name, strlen(name), "", 0) < 0) {
			*why = "The form has too many fields.";
			return -1;
		}
		return 0;
	}
	r->part_field = false;
	if (!*filename) {
		r->part_skip = true; /* a file input left empty: its part must be empty too */
		return 0;
	}
	if (r->nfiles >= MAX_FILES) {
		*why = "The form has too many files.";
		return -1;
	}
	http_file *nf = realloc(r->files, (r->nfiles + 1) * sizeof *nf);
	if (!nf) {
		*why = "Out of memory.";
		return -1;
	}
	r->files = nf;
	http_file *f = &r->files[r->nfiles++];
	*f = (http_file){.field = xstrdup(name), .filename = xstrdup(filename),
			 .content_type = xstrdup(type ? type : "application/octet-stream")};
	if (!f->field || !f->filename || !f->content_type) {
		*why = "Out of memory.";
		return -1;
	}
	r->part_file = f;
	return 0;
}

static int part_data(void *ctx, const char *data, size_t n, const char **why)
{
	http_req *r = ctx;
	if (r->part_skip) {
		*why = "A file in the form has data but no name.";
		return -1;
	}
	if (r->part_file) {
		http_file *f = r->part_file;
		f->size += n;
		size_t room = f->data.len < r->file_keep ? r->file_keep - f->data.len : 0;
		size_t keep = r->file_keep ? (n < room ? n : room) : n;
		if (keep < n)
			f->cut = true;
		if (keep && take(r, keep))
			buf_append(&f->data, data, keep);
		return f->data.oom ? (*why = "Out of memory.", -1) : 0;
	}
	if (r->part_field && take(r, n)) {
		kv *last = &r->form.v[r->form.n - 1];
		size_t need = last->len + n + 1;
		if (need > r->part_cap) {
			/* A field arrives in many chunks: grown by a quarter at a time, not by
			 * each chunk, or a 12 MiB document is copied a few hundred times
			 * wherever realloc cannot extend in place; a quarter keeps the
			 * slack small next to the body budget it is taken from. */
			size_t cap = last->len + last->len / 4;
			cap = cap < need ? need : cap;
			char *v = realloc(last->val, cap);
			if (!v) {
				*why = "Out of memory.";
				return -1;
			}
			last->val = v;
			r->part_cap = cap;
		}
		memcpy(last->val + last->len, data, n);
		last->len += n;
		last->val[last->len] = '\0';
		assert(last->len < r->part_cap);
	}
	return 0;
}

static int part_end(void *ctx, const char **why)
{
	(void)why;
	http_req *r = ctx;
	r->part_file = NULL;
	r->part_field = r->part_skip = false;
	return 0;
}

void body_begin(http_req *r, size_t file_keep, size_t total_budget)
{
	budget = total_budget;
	r->file_keep = file_keep;
	const char *ct = http_header(r, "Content-Type");
	r->body_kind = !ct ? BODY_RAW
		       : strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 ? BODY_FORM
		       : strncasecmp(ct, "multipart/form-data", 19) == 0	       ? BODY_MULTIPART
										       : BODY_RAW;
	if (r->body_kind != BODY_MULTIPART)
		return;
	static const struct multipart_cb cb = {part_begin, part_data, part_end};
	if (!(r->mp = malloc(sizeof *r->mp))) {
		r->bad_why = "Out of memory.";
	} else if (multipart_init(r->mp, ct, &cb, r) < 0) {
		snprintf(r->bad_text, sizeof r->bad_text, "%s", r->mp->error);
		r->bad_why = r->bad_text;
	}
}

void body_feed(http_req *r, const char *data, size_t n)
{
	if (r->bad_why || r->busy)
		return; /* drained: nothing more is kept */
	if (r->mp) {
		if (multipart_feed(r->mp, data, n) < 0) {
			snprintf(r->bad_text, sizeof r->bad_text, "%s", r->mp->error);
			r->bad_why = r->bad_text;
		}
	} else if (take(r, n)) {
		buf_append(&r->body, data, n);
	}
}

/* Multipart fields arrive in pieces: checked whole, here. */
static bool fields_valid(const http_req *r)
{
	for (size_t i = 0; i < r->form.n; i++)
		if (!utf8_valid(r->form.v[i].val, r->form.v[i].len) || memchr(r->form.v[i].val, 0, r->form.v[i].len))
			return false;
	return true;
}

int body_finish(http_req *r)
{
	if (r->busy) {
		r->bad_why = "The server is receiving as much as it can hold right now. Try again in a moment.";
		return 503;
	}
	if (!r->bad_why && r->mp && multipart_finish(r->mp) < 0) {
		snprintf(r->bad_text, sizeof r->bad_text, "%s", r->mp->error);
		r->bad_why = r->bad_text;
	}
	if (!r->bad_why && r->body.oom)
		r->bad_why = "Out of memory.";
	if (!r->bad_why && r->body_kind == BODY_FORM) {
		if (http_parse_urlencoded(&r->form, r->body.data ? r->body.data : "", r->body.len) < 0)
			r->bad_why = "The form data is malformed (bad encoding, invalid UTF-8, a NUL byte or too many fields).";
		buf_free(&r->body);
	}
	if (!r->bad_why && r->mp && !fields_valid(r))
		r->bad_why = "A field of the form is not valid text (invalid UTF-8 or a NUL byte).";
	return r->bad_why ? 400 : 0;
}

void http_body_release(http_req *r)
{
	atomic_fetch_sub(&held, r->held);
	r->held = 0;
}

void body_free(http_req *r)
{
	if (r->mp) {
		multipart_free(r->mp);
		free(r->mp);
		r->mp = NULL;
	}
	atomic_fetch_sub(&held, r->held);
	r->held = 0;
}
