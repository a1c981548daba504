/* json_viewer.c - /json-viewer/: paste JSON (json_text) or upload a file (jsonFile),
 * anonymous or logged in. The document comes back pretty-printed with a 4-space
 * indent in an editable text area; an array of objects is also shown as a table
 * (columns: the union of the keys in order of first appearance), 100 rows a page.
 * Invalid JSON is answered with its line and column and the offending line with a
 * marker under the column. assets/json-viewer.js adds the client-side niceties.
 *
 * Paging re-posts the document: the page buttons belong to the same form as the
 * text area and send `page`, so nothing is kept on the server between requests.
 * The form's "Download" button (action=download) sends the edited text back as an
 * attachment, which works without JavaScript. A post with `answer` instead (the
 * conversation page's "Open in JSON viewer") shows a JSON document of one of the
 * user's answers, read from the database (docs/json-viewer.md).
 *
 * Memory: a valid document's page is streamed (http_send_stream). The tree is parsed
 * to check the document and to make the table's page, then freed; the text area is
 * indented from the posted text as the client reads (json_pretty.c), so a response
 * holds the text (which the request holds anyway) and the table, not a page several
 * times the document's size. The bodies being read, checked or shown at once, all
 * clients together, hold at most VIEWER_BUDGET, taken from their Content-Length
 * before a byte is read (json_viewer_admit; one is always let through, so the
 * largest allowed document works alone); past it, 503 with Retry-After. Indenting costs at
 * most PRETTY_FACTOR times the text: a document nested so deep that its indentation
 * would pass that is shown as sent. */
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "../../core/jsonw.h"
#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../http/assets.h"
#include "../../model/answer.h"
#include "../answer_json.h"
#include "../context.h"
#include "json_pretty.h"
#include "site.h"

#define ROWS_PER_PAGE 100
/* A table wider than this shows its first columns and says how many it left out:
 * a document whose every object has new keys would otherwise multiply the page. */
#define MAX_COLUMNS 200
/* Characters of the offending line shown on each side of the error's column. */
#define ERROR_CONTEXT 60
/* Bytes of posted bodies being read, parsed or shown at once, all clients together. */
#define VIEWER_BUDGET ((size_t)8 * 1024 * 1024)
/* The indented text may be this many times the posted text (plus PRETTY_SLACK). */
#define PRETTY_FACTOR 8
#define PRETTY_SLACK ((size_t)64 * 1024)
/* Text indented (then escaped) at a time, as the client reads. */
#define STREAM_PIECE ((size_t)16 * 1024)

/* ---- writing JSON compact, for table cells ---- */

static void write_json(buf *b, const json_t *v, int indent, int depth)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY: {
		bool obj = json_is_object(v);
		size_t n = obj ? json_object_size(v) : json_array_size(v);
		buf_putc(b, obj ? '{' : '[');
		if (!n) {
			buf_putc(b, obj ? '}' : ']');
			return;
		}
		size_t i = 0;
		const char *key;
		const json_t *item;
		void *it = obj ? json_object_iter((json_t *)v) : NULL;
		for (; obj ? it != NULL : i < n; i++) {
			if (i)
				buf_putc(b, ',');
			if (indent) {
				buf_putc(b, '\n');
				for (int s = 0; s < (depth + 1) * indent; s++)
					buf_putc(b, ' ');
			}
			if (obj) {
				key = json_object_iter_key(it);
				jsonw_string(b, key, strlen(key));
				buf_puts(b, indent ? ": " : ":");
				item = json_object_iter_value(it);
				it = json_object_iter_next((json_t *)v, it);
			} else {
				item = json_array_get(v, i);
			}
			write_json(b, item, indent, depth + 1);
		}
		if (indent) {
			buf_putc(b, '\n');
			for (int s = 0; s < depth * indent; s++)
				buf_putc(b, ' ');
		}
		buf_putc(b, obj ? '}' : ']');
		return;
	}
	case JSON_STRING: jsonw_string(b, json_string_value(v), json_string_length(v)); return;
	case JSON_INTEGER: buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); return;
	case JSON_REAL: jsonw_real(b, json_real_value(v)); return;
	case JSON_TRUE: buf_puts(b, "true"); return;
	case JSON_FALSE: buf_puts(b, "false"); return;
	case JSON_NULL: buf_puts(b, "null"); return;
	}
}

/* ---- the page ---- */

/* The form up to its text area's content. */
static void form_head(buf *b, http_req *r, const char *filename)
{
	html_printf(b,
		    "<form id=\"jv\" class=\"json-viewer\" method=\"post\" action=\"/json-viewer/\" "
		    "enctype=\"multipart/form-data\">\n<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"filename\" value=\"%s\">\n"
		    "<div class=\"field\"><label for=\"jv-file\">JSON file</label>\n"
		    "<input id=\"jv-file\" name=\"jsonFile\" type=\"file\" accept=\".json,application/json,text/plain\">\n"
		    "<small>or paste or edit the JSON below; a chosen file is read instead of the text.</small></div>\n"
		    "<div class=\"field\"><label for=\"jv-text\">JSON</label>\n"
		    /* The newline after the tag is dropped by the HTML parser, so a document
		     * that starts with one keeps it. */
		    "<textarea id=\"jv-text\" name=\"json_text\" rows=\"20\" spellcheck=\"false\">\n",
		    auth_csrf_token(r), filename ? filename : "");
}

/* The rest of the form after the text area's content. */
static void form_tail(buf *b)
{
	html_raw(b, "</textarea></div>\n<div class=\"actions\">"
		    "<button type=\"submit\" name=\"action\" value=\"format\">Format</button>\n<button type=\"submit\" class=\"secondary\" name=\"action\" value=\"download\">Download</button></div>\n"
		    "</form>\n");
}

/* The form; its text area holds text (or nothing). */
static void form(buf *b, http_req *r, const char *text, const char *filename)
{
	form_head(b, r, filename);
	if (text)
		html_textn(b, text, strlen(text));
	form_tail(b);
}

static void begin(buf *b, http_req *r)
{
	/* What app_body_limit allows this visitor to post here. */
	size_t limit = visitor(r)->user_id || cfg.max_upload_bytes < VIEWER_ANON_BODY ? cfg.max_upload_bytes : VIEWER_ANON_BODY;
	page_begin(b, r, "JSON viewer", "json");
	html_printf(b,
		    "<h1>JSON viewer</h1>\n<script src=\"%s\" defer></script>\n"
		    "<p class=\"lead\">Upload or paste a JSON document (up to %.2f MiB%s): it is checked, "
		    "pretty-printed for editing, and an array of objects is also shown as a table.</p>\n",
		    asset_url("/static/json-viewer.js"), (double)limit / (1024 * 1024),
		    visitor(r)->user_id || limit == cfg.max_upload_bytes ? "" : "; more when logged in");
}

/* The line `line` (1-based) of text, cut to ERROR_CONTEXT characters around
 * `column` (1-based, in characters as jansson counts them), with a marker line. */
static void error_excerpt(buf *b, const char *text, size_t len, int line, int column)
{
	const char *p = text, *end = text + len;
	for (int l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	/* Byte offsets of each character boundary we need: the window's start, the
	 * column, the window's end. */
	int col = column < 1 ? 1 : column;
	int first = col - ERROR_CONTEXT < 1 ? 1 : col - ERROR_CONTEXT;
	const char *start = NULL, *at = NULL, *stop = eol;
	int c = 0;
	for (const char *q = p; q <= eol; q++) {
		if (q < eol && ((unsigned char)*q & 0xC0) == 0x80)
			continue; /* inside a UTF-8 sequence */
		c++;
		if (c == first)
			start = q;
		if (c == col)
			at = q;
		if (c == col + ERROR_CONTEXT) {
			stop = q;
			break;
		}
	}
	if (!start)
		start = eol;
	if (!at)
		at = eol;
	html_raw(b, "<pre class=\"json-error\"><code>");
	if (start > p)
		html_raw(b, "…");
	html_textn(b, start, (size_t)(stop - start));
	if (stop < eol)
		html_raw(b, "…");
	buf_putc(b, '\n');
	if (start > p)
		buf_putc(b, ' '); /* under the ellipsis */
	for (const char *q = start; q < at; q++)
		if (((unsigned char)*q & 0xC0) != 0x80)
			buf_putc(b, *q == '\t' ? '\t' : ' ');
	html_raw(b, "^</code></pre>\n");
}

static void cell(buf *b, const json_t *v)
{
	if (!v) {
		html_raw(b, "<td></td>");
	} else if (json_is_string(v)) {
		html_raw(b, "<td>");
		html_textn(b, json_string_value(v), json_string_length(v));
		html_raw(b, "</td>");
	} else {
		buf j = BUF_INIT;
		write_json(&j, v, 0, 0);
		html_raw(b, json_is_object(v) || json_is_array(v) ? "<td><code>" : "<td class=\"scalar\">");
		html_textn(b, j.data ? j.data : "", j.len);
		html_raw(b, json_is_object(v) || json_is_array(v) ? "</code></td>" : "</td>");
		buf_free(&j);
	}
}

static void page_button(buf *b, int64_t page, const char *label, bool enabled)
{
	if (enabled)
		html_printf(b, "<button type=\"submit\" form=\"jv\" name=\"page\" value=\"%lld\" class=\"secondary\">%s</button>\n",
			    (long long)page, label);
	else
		html_printf(b, "<button type=\"button\" class=\"secondary\" disabled>%s</button>\n", label);
}

static void pager(buf *b, int64_t page, int64_t pages, size_t rows)
{
	if (pages <= 1)
		return;
	int64_t from = (page - 1) * ROWS_PER_PAGE + 1, to = from + ROWS_PER_PAGE - 1;
	if (to > (int64_t)rows)
		to = (int64_t)rows;
	html_raw(b, "<nav class=\"pager\" aria-label=\"Table pages\">\n");
	page_button(b, 1, "« First", page > 1);
	page_button(b, page - 1, "‹ Previous", page > 1);
	html_printf(b, "<span>Page %lld of %lld (rows %lld–%lld of %zu)</span>\n", (long long)page, (long long)pages,
		    (long long)from, (long long)to, rows);
	page_button(b, page + 1, "Next ›", page < pages);
	page_button(b, pages, "Last »", page < pages);
	html_raw(b, "</nav>\n");
}

/* The table of an array of objects; nothing for any other document. */
static void table(buf *b, const json_t *doc, const char *page_param)
{
	size_t rows = json_is_array(doc) ? json_array_size(doc) : 0;
	if (!rows)
		return;
	for (size_t i = 0; i < rows; i++)
		if (!json_is_object(json_array_get(doc, i)))
			return;
	/* The union of the keys in order of first appearance: a jansson object keeps
	 * its keys in insertion order and finds them by hash. */
	json_t *keys = json_object();
	size_t total = 0;
	for (size_t i = 0; keys && i < rows; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_array_get(doc, i), k, v) {
			if (!json_object_get(keys, k)) {
				total++;
				if (total <= MAX_COLUMNS)
					json_object_set_new(keys, k, json_null());
			}
		}
	}
	if (!keys)
		return;
	int64_t pages = (int64_t)((rows + ROWS_PER_PAGE - 1) / ROWS_PER_PAGE), page = 1;
	if (page_param && !parse_int64(page_param, 1, INT64_MAX, &page))
		page = 1;
	if (page > pages)
		page = pages;
	html_printf(b, "<h2 id=\"table\">Table</h2>\n<p class=\"sub\">%zu row%s, %zu column%s.", rows, rows == 1 ? "" : "s",
		    total, total == 1 ? "" : "s");
	if (total > MAX_COLUMNS)
		html_printf(b, " The first %d columns are shown.", MAX_COLUMNS);
	html_raw(b, "</p>\n");
	pager(b, page, pages, rows);
	html_raw(b, "<div class=\"table-wrap\"><table class=\"json-table\">\n<thead><tr><th>#</th>");
	const char *k;
	json_t *v;
	json_object_foreach(keys, k, v)
		html_printf(b, "<th>%s</th>", k);
	html_raw(b, "</tr></thead>\n<tbody>\n");
	size_t first = (size_t)(page - 1) * ROWS_PER_PAGE;
	for (size_t i = first; i < rows && i < first + ROWS_PER_PAGE; i++) {
		const json_t *row = json_array_get(doc, i);
		html_printf(b, "<tr><td class=\"n\">%zu</td>", i + 1);
		json_object_foreach(keys, k, v)
			cell(b, json_object_get(row, k));
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody></table></div>\n");
	pager(b, page, pages, rows);
	json_decref(keys);
}

/* The edited text back as a file. */
static void download(http_req *r, const char *text, size_t len, const char *filename)
{
	buf cd = BUF_INIT, body = BUF_INIT;
	http_disposition(&cd, filename && *filename ? filename : "document.json");
	buf_append(&body, text, len);
	if (cd.oom || body.oom) {
		http_error(r, 500, NULL);
	} else {
		http_add_header(r, "Content-Disposition", cd.data);
		http_send(r, 200, "application/json", &body);
	}
	buf_free(&cd);
	buf_free(&body);
}

/* The JSON document `answer` names ("<message id>-<k>": the k-th JSON document of
 * that answer, answer_json.h), from the conversation page's "Open in JSON viewer",
 * into out. Only the answer's owner finds it: for anyone else, as for an answer that
 * does not exist or holds no such document, false after answering 404. */
static bool answer_document(http_req *r, const char *answer, buf *out)
{
	const char *dash = strchr(answer, '-');
	int64_t id = 0, k = -1;
	char *content = NULL;
	int rc = 0;
	char idtext[24];
	if (visitor(r)->user_id && dash && (size_t)(dash - answer) < sizeof idtext) {
		memcpy(idtext, answer, (size_t)(dash - answer));
		idtext[dash - answer] = '\0';
		if (parse_int64(idtext, 1, INT64_MAX, &id) && parse_int64(dash + 1, 0, ANSWER_JSON_MAX - 1, &k)) {
			db *d = web_db(r);
			if (!d)
				return false;
			rc = answer_content(d, visitor(r)->user_id, id, &content);
		}
	}
	if (rc == 1)
		rc = answer_json(content, (int)k, out);
	free(content);
	if (rc < 0)
		http_error(r, 500, "The answer could not be read.");
	else if (rc == 0)
		http_error(r, 404, NULL);
	return rc == 1;
}

/* ---- the budget of documents being shown ---- */

static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t budget_used, budget_users;
static size_t since_trim; /* bytes taken since the last malloc_trim */

/* Takes n bytes of VIEWER_BUDGET; always granted to the only user. */
static bool budget_take(size_t n)
{
	pthread_mutex_lock(&budget_mu);
	bool ok = !budget_users || (n <= VIEWER_BUDGET && budget_used <= VIEWER_BUDGET - n);
	if (ok) {
		budget_used += n;
		budget_users++;
		since_trim += n;
	}
	pthread_mutex_unlock(&budget_mu);
	return ok;
}

/* Gives n back; the last one out gives the freed memory back to the system, so
 * that a burst of large documents does not stay in the process's size. */
static void budget_give(size_t n)
{
	pthread_mutex_lock(&budget_mu);
	budget_used -= n;
	bool trim = --budget_users == 0 && since_trim > VIEWER_ANON_BODY;
	if (trim)
		since_trim = 0;
	pthread_mutex_unlock(&budget_mu);
	if (trim)
		malloc_trim(0);
}

struct admission {
	size_t taken;
};

static void admission_close(http_req *r, bool completed)
{
	(void)completed;
	struct admission *a = r->job;
	budget_give(a->taken);
	free(a);
	r->job = NULL;
}

bool json_viewer_admit(http_req *r, size_t limit)
{
	const char *cl = http_header(r, "Content-Length");
	unsigned long long declared = cl ? strtoull(cl, NULL, 10) : limit;
	if (declared > limit)
		return true; /* refused as too large (413), reading nothing */
	struct admission *a = malloc(sizeof *a);
	if (!a || !budget_take((size_t)declared)) {
		free(a);
		http_error_retry(r, 503, "Too many JSON documents are being read or shown right now. Try again in a moment.");
		return false;
	}
	a->taken = (size_t)declared;
	r->job = a;
	r->on_close = admission_close;
	return true;
}

/* ---- the streamed page ---- */

struct view {
	buf pending; /* bytes ready to send, from off on */
	size_t off;
	int stage;   /* 0: head; 1: the text area's text; 2: tail; 3: done */
	buf head, tail, piece;
	struct json_pretty pretty;
	bool as_sent; /* the text as posted, not indented */
	char *owned;  /* the text, when the request does not hold it */
};

static void view_free(void *cls)
{
	struct view *v = cls;
	buf_free(&v->pending);
	buf_free(&v->head);
	buf_free(&v->tail);
	buf_free(&v->piece);
	free(v->owned);
	free(v);
}

/* The next piece of the text area's text, escaped, into v->pending; false at its end. */
static bool next_text(struct view *v)
{
	struct json_pretty *p = &v->pretty;
	bool more;
	buf_reset(&v->piece);
	if (v->as_sent) {
		size_t n = p->len - p->pos < STREAM_PIECE ? p->len - p->pos : STREAM_PIECE;
		while (p->pos + n < p->len && n && ((unsigned char)p->s[p->pos + n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
		buf_append(&v->piece, p->s + p->pos, n);
		p->pos += n;
		more = p->pos < p->len;
	} else {
		more = json_pretty_step(p, &v->piece, STREAM_PIECE);
	}
	html_textn(&v->pending, v->piece.data ? v->piece.data : "", v->piece.len);
	if (v->piece.oom)
		v->pending.oom = true;
	return more;
}

/* part (the head or the tail) becomes what is sent next; on to the next stage. */
static void send_next(struct view *v, buf *part)
{
	buf_free(&v->pending);
	v->pending = *part;
	*part = (buf)BUF_INIT;
	v->stage++;
}

static long view_read(void *cls, char *out, size_t max)
{
	struct view *v = cls;
	while (v->off == v->pending.len) {
		buf_reset(&v->pending);
		v->off = 0;
		switch (v->stage) {
		case 0: send_next(v, &v->head); break;
		case 1:
			if (!next_text(v))
				v->stage = 2;
			break;
		case 2: send_next(v, &v->tail); break;
		default: return HTTP_STREAM_END;
		}
		if (v->pending.oom)
			return HTTP_STREAM_ERROR;
	}
	size_t n = v->pending.len - v->off < max ? v->pending.len - v->off : max;
	memcpy(out, v->pending.data + v->off, n);
	v->off += n;
	return (long)n;
}

/* A posted document: sent back as a file (action=download), or checked and shown.
 * owned, when set, is text's own allocation, which the page then takes. */
static void show_posted(http_req *r, const char *text, size_t len, const char *filename, char *owned)
{
	const char *action = http_form(r, "action");
	if (action && strcmp(action, "download") == 0 && len) {
		download(r, text, len, filename);
		free(owned);
		return;
	}
	buf b = BUF_INIT;
	if (!len || str_blank(text)) {
		begin(&b, r);
		form_errors(&b, "Choose a JSON file or paste a JSON document.");
		form(&b, r, NULL, filename);
		page_end(&b);
		page_send(r, 400, &b);
		free(owned);
		return;
	}
	struct view *v = calloc(1, sizeof *v);
	if (!v) {
		free(owned);
		http_error(r, 500, NULL);
		return;
	}
	v->owned = owned;
	json_error_t err;
	json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, &err);
	begin(&b, r);
	if (!doc) {
		html_raw(&b, "<div class=\"json-invalid\" role=\"alert\">\n");
		if (err.line > 0)
			html_printf(&b, "<p class=\"error\">The JSON is not valid: %s at line %d, column %d.</p>\n", err.text,
				    err.line, err.column < 1 ? 1 : err.column);
		else
			html_printf(&b, "<p class=\"error\">The JSON is not valid: %s.</p>\n", err.text);
		if (err.line > 0)
			error_excerpt(&b, text, len, err.line, err.column);
		html_raw(&b, "</div>\n");
		form(&b, r, text, filename); /* as sent: the line and column point into it */
		page_end(&b);
		page_send(r, 400, &b);
		view_free(v);
		return;
	}
	/* The table's page is made now, from the tree; the text area's text later, from
	 * the text, as the client reads it. */
	table(&v->tail, doc, http_form(r, "page"));
	json_decref(doc);
	v->as_sent = json_pretty_length(text, len, PRETTY_FACTOR * len + PRETTY_SLACK) == (size_t)-1;
	html_raw(&b, "<p class=\"notice\" role=\"status\">The JSON is valid.</p>\n");
	if (v->as_sent)
		html_raw(&b, "<p class=\"notice\">It is nested too deeply to indent: it is shown as sent.</p>\n");
	form_head(&b, r, filename);
	v->head = b;
	buf tail = BUF_INIT;
	form_tail(&tail);
	buf_append(&tail, v->tail.data ? v->tail.data : "", v->tail.len);
	page_end(&tail);
	if (v->tail.oom)
		tail.oom = true;
	buf_free(&v->tail);
	v->tail = tail;
	v->pretty = (struct json_pretty){.s = text, .len = len};
	if (v->head.oom || v->tail.oom) {
		view_free(v);
		http_error(r, 500, "The document is too large to show.");
		return;
	}
	http_send_stream(r, 200, "text/html; charset=utf-8", view_read, view_free, v);
}

void page_json_viewer(http_req *r)
{
	if (r->method != HTTP_POST) {
		buf b = BUF_INIT;
		begin(&b, r);
		form(&b, r, NULL, NULL);
		page_end(&b);
		page_send(r, 200, &b);
		return;
	}
	const char *answer = http_form(r, "answer");
	const http_file *f = http_file_get(r, "jsonFile");
	if (answer) {
		buf doc = BUF_INIT;
		if (answer_document(r, answer, &doc)) {
			size_t len;
			char *text = buf_detach(&doc, &len);
			show_posted(r, text, len, "answer.json", text);
		}
		buf_free(&doc);
	} else if (f && f->data.len) {
		show_posted(r, f->data.data, f->data.len, f->filename, NULL);
	} else {
		const char *text = http_form(r, "json_text");
		show_posted(r, text, text ? strlen(text) : 0, http_form(r, "filename"), NULL);
	}
}
