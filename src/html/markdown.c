/* markdown.c - Markdown to safe HTML on md4c's parser (see markdown.h). md4c finds
 * the structure; this file decides every byte of output, through the escaping
 * writer. */
#include "markdown.h"

#include <md4c.h>
#include <string.h>
#include <strings.h>

#include "html.h"

struct md {
	buf *b;
	int link_depth;     /* inside an image's alt text: plain text only */
	unsigned skipped_a; /* bit per nesting level: this <a> was not written */
	int a_depth;
};

static void attr_text(buf *out, const MD_ATTRIBUTE *a)
{
	buf_append(out, a->text, a->size);
}

static bool safe_url(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0 ||
	       strncasecmp(u, "mailto:", 7) == 0;
}

static int enter_block(MD_BLOCKTYPE t, void *detail, void *ud)
{
	struct md *m = ud;
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
	case MD_BLOCK_LI: html_raw(b, "<li>"); break;
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
	buf *b = ((struct md *)ud)->b;
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

/* A link (or an image, shown as a link to it) when its URL is allowed. */
static void open_link(struct md *m, const MD_ATTRIBUTE *href, const char *prefix)
{
	buf url = BUF_INIT;
	attr_text(&url, href);
	bool ok = url.data && !url.oom && safe_url(url.data);
	if (m->a_depth < 31 && !ok)
		m->skipped_a |= 1u << m->a_depth;
	if (ok)
		html_printf(m->b, "<a href=\"%s\" rel=\"nofollow noopener noreferrer\">%s", url.data, prefix);
	else if (*prefix)
		html_raw(m->b, prefix);
	m->a_depth++;
	buf_free(&url);
}

static void close_link(struct md *m)
{
	if (m->a_depth > 0)
		m->a_depth--;
	unsigned bit = m->a_depth < 31 ? 1u << m->a_depth : 0;
	if (m->skipped_a & bit)
		m->skipped_a &= ~bit;
	else
		html_raw(m->b, "</a>");
}

static int enter_span(MD_SPANTYPE t, void *detail, void *ud)
{
	struct md *m = ud;
	switch (t) {
	case MD_SPAN_EM: html_raw(m->b, "<em>"); break;
	case MD_SPAN_STRONG: html_raw(m->b, "<strong>"); break;
	case MD_SPAN_CODE: html_raw(m->b, "<code>"); break;
	case MD_SPAN_DEL: html_raw(m->b, "<del>"); break;
	case MD_SPAN_U: html_raw(m->b, "<u>"); break;
	case MD_SPAN_A: open_link(m, &((MD_SPAN_A_DETAIL *)detail)->href, ""); break;
	case MD_SPAN_IMG: open_link(m, &((MD_SPAN_IMG_DETAIL *)detail)->src, "[image: "); break;
	default: break; /* math and wiki links: their text only */
	}
	return 0;
}

static int leave_span(MD_SPANTYPE t, void *detail, void *ud)
{
	(void)detail;
	struct md *m = ud;
	switch (t) {
	case MD_SPAN_EM: html_raw(m->b, "</em>"); break;
	case MD_SPAN_STRONG: html_raw(m->b, "</strong>"); break;
	case MD_SPAN_CODE: html_raw(m->b, "</code>"); break;
	case MD_SPAN_DEL: html_raw(m->b, "</del>"); break;
	case MD_SPAN_U: html_raw(m->b, "</u>"); break;
	case MD_SPAN_A: close_link(m); break;
	case MD_SPAN_IMG:
		html_raw(m->b, "]");
		close_link(m);
		break;
	default: break;
	}
	return 0;
}

static int text(MD_TEXTTYPE t, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	buf *b = ((struct md *)ud)->b;
	switch (t) {
	case MD_TEXT_NULLCHAR: html_raw(b, "\xEF\xBF\xBD"); break;
	case MD_TEXT_BR: html_raw(b, "<br>\n"); break;
	case MD_TEXT_SOFTBR: html_raw(b, "\n"); break;
	default: html_textn(b, s, n); break; /* entities and raw HTML shown as written */
	}
	return 0;
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
	if (md_parse(s, (MD_SIZE)len, &p, &m) == 0)
		return 0;
	b->len = mark;
	html_raw(b, "<pre>");
	html_textn(b, s, len);
	html_raw(b, "</pre>");
	return -1;
}
