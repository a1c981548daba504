/* history.c - /conversation/: the user's conversations, most recently active first,
 * grouped by day, each with its exchanges in short (the start of each question and
 * of its answer, the answer's model, tokens and time), a link to continue it and a
 * Delete button; paged by a keyset cursor (?before=<updated_at>:<id>). With ?q= the
 * same page searches the user's messages instead. docs/history.md says what is
 * shown and why. Times are written in UTC; assets/history.js shows them, and
 * regroups the days, in the browser's time zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../http/assets.h"
#include "../../model/history.h"
#include "../../model/search.h"
#include "thread_cache.h"
#include "../context.h"
#include "history.h"

#define TITLE_CHARS 80
#define EXCERPT_CHARS 200
#define DAY_MS 86400000LL

/* Writes s escaped, cut to at most max characters at a word boundary with "…"
 * (also when `more`: s is itself the start of a longer text). */
static void cut_text(buf *b, const char *s, size_t max, bool more)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < max) {
		i++;
		while ((s[i] & 0xC0) == 0x80) /* the rest of a character */
			i++;
		chars++;
	}
	if (!s[i] && !more) {
		html_text(b, s);
		return;
	}
	size_t cut = i;
	if (s[i]) { /* cut inside the text: at its last space, unless that loses over half */
		size_t k = i;
		while (k > i / 2 && s[k] != ' ')
			k--;
		if (k > i / 2)
			cut = k;
	}
	while (cut && s[cut - 1] == ' ')
		cut--;
	html_textn(b, s, cut);
	html_raw(b, "…");
}

/* The text of Markdown in one line, roughly: the marks of code, emphasis, headings,
 * quotes, lists and tables dropped and every run of white space made one space. Enough to
 * recognise an answer by its start; the conversation page shows it rendered. In
 * place, and only as far as the first max characters and one more (what cut_text
 * needs to see that there is more): true when the text went on beyond that. */
static bool plain_line(char *s, size_t max)
{
	char *o = s;
	bool line_start = true;
	size_t chars = 0;
	char *p = s;
	for (; *p && chars <= max; p++) {
		char c = *p;
		/* A table's cell walls and delimiter rows (|---|:--|), and rules (---): spaces. */
		if ((c == '-' || (c == ':' && p[1] == '-')) && p[1 + (c == ':')] == '-' && p[2 + (c == ':')] == '-') {
			while (p[1] == '-' || p[1] == ':')
				p++;
			c = ' ';
		}
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ' || c == '|') {
			if (c == '\n')
				line_start = true;
			if (o > s && o[-1] != ' ')
				*o++ = ' ';
			continue;
		}
		if (line_start && (c == '#' || c == '>' || ((c == '-' || c == '+') && p[1] == ' ')))
			continue;
		line_start = false;
		if (c == '`' || c == '*')
			continue;
		chars += (c & 0xC0) != 0x80;
		*o++ = c;
	}
	while (*p && (*p & 0xC0) == 0x80) /* the rest of the last character */
		*o++ = *p++;
	bool more = *p != '\0';
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
	return more;
}

/* "07:12 UTC" (the history, under its day) or "2026-11-26 07:12 UTC" (search). */
static void time_tag(buf *b, int64_t ms, bool with_date)
{
	char iso[32];
	fmt_iso8601(iso, ms);
	html_printf(b, "<time datetime=\"%s\" class=\"%s\">%.*s%s%.5s UTC</time>", iso, with_date ? "t-full" : "t-time",
		    with_date ? 10 : 0, iso, with_date ? " " : "", iso + 11);
}

/* "Today", "Yesterday" or "Thursday 19 November 2026", in UTC. */
static void day_heading(buf *b, int64_t day, int64_t today)
{
	static const char *const wdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
	static const char *const months[] = {"January", "February", "March",	 "April",   "May",	"June",
					     "July",	"August",   "September", "October", "November", "December"};
	html_raw(b, "<section class=\"day\"><h2>");
	if (day == today) {
		html_raw(b, "Today");
	} else if (day == today - 1) {
		html_raw(b, "Yesterday");
	} else {
		time_t t = (time_t)(day * 86400);
		struct tm tm;
		gmtime_r(&t, &tm);
		html_printf(b, "%s %d %s %d", wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
	}
	html_raw(b, "</h2>\n");
}

/* An answer's metadata in short: model, tokens, elapsed, and its status unless ok. */
static void answer_meta(buf *b, const struct hist_msg *a)
{
	html_printf(b, "<p class=\"hist-meta\">%s · ", a->model ? a->model : "?");
	if (a->total_tokens >= 0)
		html_printf(b, "%lld tokens", (long long)a->total_tokens);
	else
		html_raw(b, "tokens not reported");
	if (a->elapsed_ms >= 0)
		html_printf(b, " · %lld ms", (long long)a->elapsed_ms);
	if (strcmp(a->status, "ok") != 0)
		html_printf(b, " · <span class=\"error\">%s</span>", a->status);
	if (strcmp(a->source, "api") == 0)
		html_raw(b, " · <abbr class=\"via-api\" title=\"asked by a program through the API (docs/api.md)\">API</abbr>");
	else if (strcmp(a->source, "api-embeddings") == 0)
		html_raw(b, " · <abbr class=\"via-api\" title=\"embeddings asked for by a program through the API "
			    "(docs/api.md)\">API embeddings</abbr>");
	else if (strcmp(a->source, "api-responses") == 0)
		html_raw(b, " · <abbr class=\"via-api\" title=\"asked by a program through the Responses API "
			    "(docs/api.md)\">API responses</abbr>");
	html_raw(b, "</p>");
}

static void excerpt(buf *b, const char *cls, struct hist_msg *m)
{
	bool more = plain_line(m->content, EXCERPT_CHARS);
	html_printf(b, "<p class=\"%s\">", cls);
	cut_text(b, m->content, EXCERPT_CHARS, m->cut || more);
	html_raw(b, "</p>");
}

/* The conversation's models (each once, in order of first use), message count and
 * total tokens (the sum of those reported; "not reported" when none was). */
static void conv_summary(buf *b, const struct hist_conv *c)
{
	size_t shown = 0;
	long long tokens = 0;
	bool reported = false;
	for (size_t i = 0; i < c->nmsgs; i++) {
		const struct hist_msg *m = &c->msgs[i];
		if (m->total_tokens >= 0) {
			tokens += m->total_tokens;
			reported = true;
		}
		bool seen = !m->model;
		for (size_t j = 0; j < i && !seen; j++)
			seen = c->msgs[j].model && strcmp(c->msgs[j].model, m->model) == 0;
		if (!seen)
			html_printf(b, "%s%s", shown++ ? ", " : " · ", m->model);
	}
	html_printf(b, " · %lld message%s · ", (long long)c->nmsgs, c->nmsgs == 1 ? "" : "s");
	if (reported)
		html_printf(b, "%lld tokens", tokens);
	else
		html_raw(b, "tokens not reported");
	html_raw(b, "</p>\n");
}

/* What the entry shows of the conversation's messages: made from them, and kept by
 * the conversation's revision (see page_history). */
static void conv_body(buf *b, struct hist_conv *c)
{
	conv_summary(b, c);
	html_raw(b, "<ol class=\"exchanges\">\n");
	for (size_t i = 0; i < c->nmsgs; i++) {
		struct hist_msg *m = &c->msgs[i];
		bool question = strcmp(m->role, "user") == 0;
		if (!question && strcmp(m->role, "assistant") != 0)
			continue; /* system and tool messages are the API's business */
		html_raw(b, "<li>");
		if (question)
			excerpt(b, "q", m);
		struct hist_msg *a = question ? (i + 1 < c->nmsgs && strcmp(c->msgs[i + 1].role, "assistant") == 0
							 ? &c->msgs[++i]
							 : NULL)
					      : m;
		/* A partial answer (stopped, cut) carries its own status below it. */
		if (question && !a && strcmp(m->status, "ok") != 0)
			html_printf(b, "<p class=\"hist-meta error\">This question %s.</p>",
				    strcmp(m->status, "interrupted") == 0 ? "was interrupted" : "got no answer");
		if (a) {
			excerpt(b, "a", a);
			answer_meta(b, a);
		}
		html_raw(b, "</li>\n");
	}
	html_raw(b, "</ol>\n");
}

/* The entry: its title, time and actions written on each view around its body. */
static void conv_entry(buf *b, const struct hist_conv *c, const buf *body)
{
	const char *title = *c->title ? c->title : "(untitled)";
	if (c->comparison[0]) {
		/* A comparison: one entry for all its columns (docs/compare.md). */
		html_printf(b, "<article class=\"hist-conv hist-compare\" data-at=\"%lld\"><h3><a href=\"/compare/%s/\">",
			    (long long)c->updated_at, c->comparison);
		cut_text(b, title, TITLE_CHARS, false);
		html_raw(b, "</a></h3>\n<p class=\"hist-meta\">");
		time_tag(b, c->updated_at, false);
		html_printf(b, " · a comparison of %lld columns</p>\n<p class=\"conv-actions\"><a href=\"/compare/%s/\">Open"
			       "</a></p>\n</article>\n",
			    (long long)c->columns, c->comparison);
		return;
	}
	html_printf(b, "<article class=\"hist-conv\" data-at=\"%lld\"><h3><a href=\"/conversation/%s/\">",
		    (long long)c->updated_at, c->uuid);
	cut_text(b, title, TITLE_CHARS, false);
	html_raw(b, "</a></h3>\n<p class=\"hist-meta\">");
	time_tag(b, c->updated_at, false);
	html_rawn(b, body->data, body->len);
	html_printf(b,
		    "<p class=\"conv-actions\"><a href=\"/conversation/%s/\">Open and continue</a> "
		    "<a class=\"link danger\" href=\"/delete_conversation/%s/\" data-delete-title=\"%s\">Delete</a></p>\n"
		    "</article>\n",
		    c->uuid, c->uuid, title);
}

/* The search box, the export links, and the scripts (the token is for delete.js's
 * POST; it is outside any form, so no GET carries it). */
static void page_top(buf *b, http_req *r, const char *q)
{
	html_printf(b,
		    "<h1>Your conversations</h1>\n<p><a class=\"button\" href=\"/ask/\">New conversation</a> "
		    "Export all my messages: <a href=\"/export/messages.csv\">CSV</a> · "
		    "<a href=\"/export/messages.jsonl\">JSONL</a></p>\n"
		    "<form method=\"get\" action=\"/conversation/\" role=\"search\" class=\"search\">"
		    "<label for=\"q\">Search my questions and answers</label> "
		    "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" maxlength=\"1000\"> "
		    "<button type=\"submit\">Search</button></form>\n"
		    "<p class=\"help\">All words must match; \"two words\" finds a phrase, data* every word starting "
		    "with data.</p>\n<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<script src=\"%s\" defer></script>\n<script src=\"%s\" defer></script>\n",
		    q ? q : "", auth_csrf_token(r), asset_url("/static/history.js"), asset_url("/static/delete.js"));
}

/* A snippet: escaped, then the engine's match marks made <mark> elements, always
 * closed (a mark byte in a message's own text cannot open an element that stays
 * open). */
static void snippet(buf *b, const char *text)
{
	/* As plain text, like the excerpts: a copy with the Markdown marks dropped (the
	 * match marks are control bytes plain_line keeps). */
	char *s = xstrdup(text), *start = s;
	if (!s)
		return;
	plain_line(s, SIZE_MAX - 1);
	bool open = false;
	while (*s) {
		size_t n = strcspn(s, "\x01\x02");
		html_textn(b, s, n);
		s += n;
		if (*s == SEARCH_MARK_OPEN) {
			if (!open)
				html_raw(b, "<mark>");
			open = true;
			s++;
		} else if (*s == SEARCH_MARK_CLOSE) {
			if (open)
				html_raw(b, "</mark>");
			open = false;
			s++;
		}
	}
	if (open)
		html_raw(b, "</mark>");
	free(start);
}

static void search_page(http_req *r, db *d, const char *q)
{
	struct search_hit *hits;
	size_t n;
	const char *why;
	int rc = search_messages(d, visitor(r)->user_id, q, &hits, &n, &why);
	if (rc < 0) {
		http_error(r, 500, "The search could not be run.");
		return;
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "Search", "history");
	page_top(&b, r, q);
	if (rc == 1) {
		html_printf(&b, "<p class=\"error\" role=\"alert\" id=\"search-error\">%s</p>\n", why);
	} else if (n == 0) {
		html_printf(&b, "<p>Nothing found for “%s”.</p>\n", q);
	} else {
		html_printf(&b, "<h2>%s for “%s”%s</h2>\n<ol class=\"search-results\">\n", n == 1 ? "One result" : "Results",
			    q, n == SEARCH_MAX_HITS ? " (the best 50)" : "");
		for (size_t i = 0; i < n; i++) {
			const struct search_hit *h = &hits[i];
			html_printf(&b, "<li><a href=\"/conversation/%s/#m-%lld\">", h->uuid, (long long)h->id);
			cut_text(&b, *h->title ? h->title : "(untitled)", TITLE_CHARS, false);
			html_printf(&b, "</a> <small>%s%s%s · ", strcmp(h->role, "user") == 0 ? "question" : "answer",
				    h->model ? " · " : "", h->model ? h->model : "");
			time_tag(&b, h->created_at, true);
			html_raw(&b, "</small>\n<p class=\"snippet\">");
			snippet(&b, h->snippet);
			html_raw(&b, "</p></li>\n");
		}
		html_raw(&b, "</ol>\n");
	}
	html_raw(&b, "<p><a href=\"/conversation/\">All conversations</a></p>\n");
	page_end(&b);
	page_send_cached(r, rc == 1 ? 400 : 200, &b);
	search_free(hits, n);
}

/* ?page=N, from before the cursor: sent to the cursor that starts page N today. */
static void old_page_link(http_req *r, db *d, const char *p)
{
	int64_t page, at, id;
	if (!parse_int64(p, 1, 1000000, &page)) {
		http_error(r, 400, "The page number must be a whole number from 1.");
		return;
	}
	if (page == 1) {
		http_redirect(r, 302, "/conversation/");
		return;
	}
	int rc = hist_cursor_at(d, visitor(r)->user_id, (page - 1) * HIST_PAGE - 1, &at, &id);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "Your conversations could not be read." : "There is no such page.");
		return;
	}
	char to[96];
	snprintf(to, sizeof to, "/conversation/?before=%lld:%lld", (long long)at, (long long)id);
	http_redirect(r, 302, to);
}

void page_history(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *q = http_query(r, "q");
	if (q && !str_blank(q)) {
		search_page(r, d, q);
		return;
	}
	const char *p = http_query(r, "page");
	const char *before = http_query(r, "before");
	if (p && !before) {
		old_page_link(r, d, p);
		return;
	}
	int64_t at = HIST_START, id = HIST_START;
	if (before) {
		const char *colon = strchr(before, ':');
		char first[24];
		if (!colon || (size_t)(colon - before) >= sizeof first) {
			http_error(r, 400, "The page cursor is not valid.");
			return;
		}
		snprintf(first, sizeof first, "%.*s", (int)(colon - before), before);
		if (!parse_int64(first, 0, INT64_MAX, &at) || !parse_int64(colon + 1, 0, INT64_MAX, &id)) {
			http_error(r, 400, "The page cursor is not valid.");
			return;
		}
	}
	struct hist_conv *list;
	size_t n;
	bool more;
	if (hist_page(d, visitor(r)->user_id, at, id, &list, &n, &more) < 0) {
		http_error(r, 500, "Your conversations could not be read.");
		return;
	}
	/* Each entry's body is kept in the thread cache under the conversation's id
	 * negated (its thread is under the id itself) and its revision, which moves
	 * with every change to its messages: only the conversations not kept at their
	 * current revision have their messages read and written. */
	buf body[HIST_PAGE];
	for (size_t i = 0; i < n; i++) {
		body[i] = BUF_INIT;
		/* A comparison's entry shows no exchanges: when blind, they would name its models. */
		list[i].want = !list[i].comparison[0] && !thread_cache_get(-list[i].id, list[i].revision, &body[i]);
	}
	if (hist_messages(d, visitor(r)->user_id, list, n) < 0) {
		for (size_t i = 0; i < n; i++)
			buf_free(&body[i]);
		hist_free(list, n);
		http_error(r, 500, "Your conversations could not be read.");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!list[i].want)
			continue;
		conv_body(&body[i], &list[i]);
		if (!body[i].oom)
			thread_cache_put(-list[i].id, list[i].revision, body[i].data, body[i].len);
	}
	buf b = BUF_INIT;
	page_begin(&b, r, "History", "history");
	page_top(&b, r, NULL);
	if (http_query(r, "deleted")) /* set by the deletion's redirect (delete.c) */
		html_raw(&b, "<p class=\"notice\" role=\"status\">The conversation was deleted.</p>\n");
	if (n == 0)
		html_raw(&b, before ? "<p>No more conversations.</p>\n" : "<p>No conversations yet.</p>\n");
	html_raw(&b, "<div id=\"history\">\n");
	int64_t today = now_ms() / DAY_MS, day = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t d_i = list[i].updated_at / DAY_MS;
		if (d_i != day) {
			if (i)
				html_raw(&b, "</section>\n");
			day_heading(&b, d_i, today);
			day = d_i;
		}
		conv_entry(&b, &list[i], &body[i]);
		buf_free(&body[i]);
	}
	if (n)
		html_raw(&b, "</section>\n");
	html_raw(&b, "</div>\n<nav class=\"pages\">");
	if (before)
		html_raw(&b, "<a href=\"/conversation/\">Newest</a> ");
	if (more)
		html_printf(&b, "<a href=\"/conversation/?before=%lld:%lld\" rel=\"next\">Older</a>",
			    (long long)list[n - 1].updated_at, (long long)list[n - 1].id);
	html_raw(&b, "</nav>\n");
	page_end(&b);
	page_send_cached(r, 200, &b);
	hist_free(list, n);
}
