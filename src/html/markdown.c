/* markdown.c - Markdown to safe HTML on md4c's parser (see markdown.h). md4c finds
 * the structure; this file decides every byte of output, through the escaping
 * writer. */
#include "markdown.h"

#include <md4c.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entities.h"
#include "html.h"

/* The spans open in the current block, innermost last. md4c 0.4.8 does not always
 * pair its span callbacks ("[](*)*" leaves an <em> it never entered, "*[](*)*"
 * enters one it never leaves: found by tests/fuzz/fuzz_markdown.c), so the closing
 * tags are written from this stack, never from md4c's word alone: a leave with
 * no open span of its type writes nothing, a leave closes what was opened inside
 * its span, and the start or end of a block closes what is still open ("7) *[](*)"
 * followed by a nested list opened the list inside an <em>). */
struct span {
	MD_SPANTYPE type;
	bool a_written; /* links and images: the <a> was written (its URL is allowed) */
};

struct md {
	buf *b;
	struct span *open;
	size_t nopen, cap;
};

/* Appends the character an entity names (&copy; &#233; &#x2192;, any HTML5 name), or
 * the entity itself when it names none. */
static void entity(buf *out, const char *s, size_t n)
{
	if (n > 2 && s[1] != '#') {
		const char *text = html_entity(s + 1, n - 2); /* between the & and the ; */
		if (text)
			buf_puts(out, text);
		else
			buf_append(out, s, n);
		return;
	}
	unsigned long cp = 0;
	if (n > 3 && s[1] == '#') {
		bool hex = s[2] == 'x' || s[2] == 'X';
		char num[16] = "";
		size_t len = n - (hex ? 4 : 3);
		if (len > 0 && len < sizeof num) {
			memcpy(num, s + (hex ? 3 : 2), len);
			cp = strtoul(num, NULL, hex ? 16 : 10);
		}
	}
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		buf_append(out, s, n);
		return;
	}
	char u[4];
	size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (k == 1) {
		u[0] = (char)cp;
	} else {
		for (size_t i = k - 1; i > 0; i--, cp >>= 6)
			u[i] = (char)(0x80 | (cp & 0x3F));
		u[0] = (char)((k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | cp);
	}
	buf_append(out, u, k);
}

/* An attribute's text with its entities decoded (it is escaped again on output). */
static void attr_text(buf *out, const MD_ATTRIBUTE *a)
{
	for (int i = 0; a->substr_offsets[i] < a->size; i++) {
		const char *s = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
		if (a->substr_types[i] == MD_TEXT_ENTITY)
			entity(out, s, n);
		else if (a->substr_types[i] == MD_TEXT_NULLCHAR)
			buf_puts(out, "\xEF\xBF\xBD");
		else
			buf_append(out, s, n);
	}
}

static bool safe_url(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0 ||
	       strncasecmp(u, "mailto:", 7) == 0;
}

/* Writes the closing markup of the innermost open span and drops it. */
static void close_span(struct md *m)
{
	const struct span *sp = &m->open[--m->nopen];
	switch (sp->type) {
	case MD_SPAN_EM: html_raw(m->b, "</em>"); break;
	case MD_SPAN_STRONG: html_raw(m->b, "</strong>"); break;
	case MD_SPAN_CODE: html_raw(m->b, "</code>"); break;
	case MD_SPAN_DEL: html_raw(m->b, "</del>"); break;
	case MD_SPAN_U: html_raw(m->b, "</u>"); break;
	case MD_SPAN_IMG: html_raw(m->b, "]"); /* fall through */
	case MD_SPAN_A:
		if (sp->a_written)
			html_raw(m->b, "</a>");
		break;
	default: break;
	}
}

static int enter_block(MD_BLOCKTYPE t, void *detail, void *ud)
{
	struct md *m = ud;
	while (m->nopen) /* a span is inside one block: md4c may start another in it */
		close_span(m);
	buf *b = m->b;
	switch (t) {
	case MD_BLOCK_DOC: break;
	case MD_BLOCK_QUOTE: html_raw(b, "<blockquote>\n"); break;
	case MD_BLOCK_UL: html_raw(b, "<ul>\n"); break;
	case MD_BLOCK_OL: {
		unsigned start = ((MD_BLOCK_OL_DETAIL *)detail)->start;
		if (start == 1)
			html_raw(b, "<ol>\n");
		else
			html_printf(b, "<ol start=\"%u\">\n", start);
		break;
	}
	case MD_BLOCK_LI: {
		const MD_BLOCK_LI_DETAIL *li = detail;
		if (!li->is_task)
			html_raw(b, "<li>");
		else if (li->task_mark == ' ')
			html_raw(b, "<li class=\"task\"><input type=\"checkbox\" disabled> ");
		else
			html_raw(b, "<li class=\"task\"><input type=\"checkbox\" checked disabled> ");
		break;
	}
	case MD_BLOCK_HR: html_raw(b, "<hr>\n"); break;
	case MD_BLOCK_H: html_printf(b, "<h%u>", ((MD_BLOCK_H_DETAIL *)detail)->level); break;
	case MD_BLOCK_CODE: {
		const MD_BLOCK_CODE_DETAIL *c = detail;
		html_raw(b, "<pre><code");
		if (c->lang.size) {
			buf lang = BUF_INIT;
			attr_text(&lang, &c->lang);
			html_printf(b, " class=\"language-%s\"", lang.data ? lang.data : "");
			buf_free(&lang);
		}
		html_raw(b, ">");
		break;
	}
	case MD_BLOCK_HTML: html_raw(b, "<pre class=\"html\">"); break;
	case MD_BLOCK_P: html_raw(b, "<p>"); break;
	case MD_BLOCK_TABLE: html_raw(b, "<div class=\"table\"><table>\n"); break;
	case MD_BLOCK_THEAD: html_raw(b, "<thead>\n"); break;
	case MD_BLOCK_TBODY: html_raw(b, "<tbody>\n"); break;
	case MD_BLOCK_TR: html_raw(b, "<tr>"); break;
	case MD_BLOCK_TH: html_raw(b, "<th>"); break;
	case MD_BLOCK_TD: html_raw(b, "<td>"); break;
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE t, void *detail, void *ud)
{
	struct md *m = ud;
	while (m->nopen)
		close_span(m);
	buf *b = m->b;
	switch (t) {
	case MD_BLOCK_DOC: break;
	case MD_BLOCK_QUOTE: html_raw(b, "</blockquote>\n"); break;
	case MD_BLOCK_UL: html_raw(b, "</ul>\n"); break;
	case MD_BLOCK_OL: html_raw(b, "</ol>\n"); break;
	case MD_BLOCK_LI: html_raw(b, "</li>\n"); break;
	case MD_BLOCK_HR: break;
	case MD_BLOCK_H: html_printf(b, "</h%u>\n", ((MD_BLOCK_H_DETAIL *)detail)->level); break;
	case MD_BLOCK_CODE: html_raw(b, "</code></pre>\n"); break;
	case MD_BLOCK_HTML: html_raw(b, "</pre>\n"); break;
	case MD_BLOCK_P: html_raw(b, "</p>\n"); break;
	case MD_BLOCK_TABLE: html_raw(b, "</table></div>\n"); break;
	case MD_BLOCK_THEAD: html_raw(b, "</thead>\n"); break;
	case MD_BLOCK_TBODY: html_raw(b, "</tbody>\n"); break;
	case MD_BLOCK_TR: html_raw(b, "</tr>\n"); break;
	case MD_BLOCK_TH: html_raw(b, "</th>"); break;
	case MD_BLOCK_TD: html_raw(b, "</td>"); break;
	}
	return 0;
}

/* A link (or an image, shown as a link to it) when its URL is allowed; returns
 * whether the <a> was written. */
static bool open_link(struct md *m, const MD_ATTRIBUTE *href, const char *prefix)
{
	buf url = BUF_INIT;
	attr_text(&url, href);
	bool ok = url.data && !url.oom && safe_url(url.data);
	if (ok)
		html_printf(m->b, "<a href=\"%s\" rel=\"nofollow noopener noreferrer\">%s", url.data, prefix);
	else if (*prefix)
		html_raw(m->b, prefix);
	buf_free(&url);
	return ok;
}

static int enter_span(MD_SPANTYPE t, void *detail, void *ud)
{
	struct md *m = ud;
	if (m->nopen == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct span *grown = realloc(m->open, cap * sizeof *grown);
		if (!grown)
			return -1; /* md_parse gives up: the text goes out escaped in <pre> */
		m->open = grown;
		m->cap = cap;
	}
	struct span *sp = &m->open[m->nopen++];
	*sp = (struct span){t, false};
	switch (t) {
	case MD_SPAN_EM: html_raw(m->b, "<em>"); break;
	case MD_SPAN_STRONG: html_raw(m->b, "<strong>"); break;
	case MD_SPAN_CODE: html_raw(m->b, "<code>"); break;
	case MD_SPAN_DEL: html_raw(m->b, "<del>"); break;
	case MD_SPAN_U: html_raw(m->b, "<u>"); break;
	case MD_SPAN_A: sp->a_written = open_link(m, &((MD_SPAN_A_DETAIL *)detail)->href, ""); break;
	case MD_SPAN_IMG: sp->a_written = open_link(m, &((MD_SPAN_IMG_DETAIL *)detail)->src, "[image: "); break;
	default: break; /* math and wiki links: their text only */
	}
	return 0;
}

static int leave_span(MD_SPANTYPE t, void *detail, void *ud)
{
	(void)detail;
	struct md *m = ud;
	size_t i = m->nopen;
	while (i > 0 && m->open[i - 1].type != t)
		i--;
	while (i > 0 && m->nopen >= i) /* nothing when no span of type t is open */
		close_span(m);
	return 0;
}

static int text(MD_TEXTTYPE t, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	buf *b = ((struct md *)ud)->b;
	switch (t) {
	case MD_TEXT_NULLCHAR: html_raw(b, "\xEF\xBF\xBD"); break;
	case MD_TEXT_BR: html_raw(b, "<br>\n"); break;
	case MD_TEXT_SOFTBR: html_raw(b, "\n"); break;
	case MD_TEXT_ENTITY: {
		buf decoded = BUF_INIT;
		entity(&decoded, s, n);
		html_textn(b, decoded.data ? decoded.data : "", decoded.len);
		buf_free(&decoded);
		break;
	}
	default: html_textn(b, s, n); break; /* raw HTML is shown as written */
	}
	return 0;
}

/* md_parse on a copy of s: md4c 0.4.8 (Debian 12's) reads the byte after the text:
 * an inline link at the very end is closed by a ')' found there, and its span then
 * runs past the end, up to gigabytes (found by tests/fuzz/fuzz_markdown.c; fixed in
 * md4c 0.5.0). So md4c parses a copy that ends in a NUL, whatever follows the
 * caller's text. */
static int parse(const char *s, size_t len, const MD_PARSER *p, void *ud)
{
	char *copy = malloc(len + 1);
	int rc = -1;
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
		rc = md_parse(copy, (MD_SIZE)len, p, ud);
		free(copy);
	}
	return rc;
}

int markdown_html(buf *b, const char *s, size_t len)
{
	struct md m = {.b = b};
	MD_PARSER p = {
		.flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	size_t mark = b->len;
	int rc = parse(s, len, &p, &m);
	free(m.open);
	if (rc == 0)
		return 0;
	b->len = mark;
	html_raw(b, "<pre>");
	html_textn(b, s, len);
	html_raw(b, "</pre>");
	return -1;
}

/* ---- code blocks, for tools that take them out of an answer ---- */

struct blocks {
	int (*fn)(const char *code, size_t n, void *arg);
	void *arg;
	buf code;   /* the block being read */
	bool in;    /* inside a code block */
	int stop;   /* what fn returned, when not 0 */
};

static int blocks_enter(MD_BLOCKTYPE t, void *detail, void *ud)
{
	(void)detail;
	struct blocks *k = ud;
	if (t == MD_BLOCK_CODE) {
		k->in = true;
		buf_reset(&k->code);
	}
	return 0;
}

static int blocks_leave(MD_BLOCKTYPE t, void *detail, void *ud)
{
	(void)detail;
	struct blocks *k = ud;
	if (t != MD_BLOCK_CODE || !k->in)
		return 0;
	k->in = false;
	/* md4c 0.4.8 does not stop when this returns non-zero: once stopped, the blocks
	 * that follow are skipped here instead. */
	if (k->stop)
		return k->stop;
	k->stop = k->code.oom ? -1 : k->fn(k->code.data ? k->code.data : "", k->code.len, k->arg);
	return k->stop;
}

static int blocks_span(MD_SPANTYPE t, void *detail, void *ud)
{
	(void)t;
	(void)detail;
	(void)ud;
	return 0;
}

static int blocks_text(MD_TEXTTYPE t, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	struct blocks *k = ud;
	if (!k->in || k->stop)
		return 0;
	if (t == MD_TEXT_NULLCHAR) {
		buf_append(&k->code, "\xEF\xBF\xBD", 3);
		return 0;
	}
	/* md4c 0.4.8 reports a NUL as NULLCHAR and then again inside the next text:
	 * NULs are dropped here, the replacement character stands for them. */
	for (const MD_CHAR *e = s + n; s < e;) {
		const MD_CHAR *z = memchr(s, '\0', (size_t)(e - s));
		buf_append(&k->code, s, (size_t)((z ? z : e) - s));
		s = z ? z + 1 : e;
	}
	return 0;
}

int markdown_code_blocks(const char *s, size_t len, int (*fn)(const char *code, size_t n, void *arg), void *arg)
{
	struct blocks k = {.fn = fn, .arg = arg};
	MD_PARSER p = {
		.flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
		.enter_block = blocks_enter,
		.leave_block = blocks_leave,
		.enter_span = blocks_span,
		.leave_span = blocks_span,
		.text = blocks_text,
	};
	int rc = parse(s, len, &p, &k);
	buf_free(&k.code);
	/* md4c returns what a callback returned to stop it: fn's choice is no failure. */
	return k.stop > 0 || rc == 0 ? 0 : -1;
}
