/* multipart.c - the streaming multipart/form-data parser (see multipart.h).
 *
 * The body is read as "\r\n" + body, so every boundary, the first included, is the
 * delimiter "\r\n--BOUNDARY". States: before the first delimiter (preamble, thrown
 * away); just after a delimiter ("--" ends the body, a line break starts a part);
 * a part's header lines (up to MAX_HEADERS bytes); a part's bytes, passed on as they
 * come except for the last dlen-1, which might be the start of the next delimiter. */
#include "multipart.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/util.h"

#define MAX_HEADERS (16 * 1024)

enum { PREAMBLE, AFTER_DELIM, HEADERS, BODY, DONE, FAILED };

/* The parser's only moves: a delimiter ends the preamble or a part; after it comes
 * the closing "--" or a part's headers; headers lead to the part's bytes; any state
 * may fail. DONE and FAILED are final. */
static void to(struct multipart *m, int next)
{
	assert((next == AFTER_DELIM && (m->state == PREAMBLE || m->state == BODY)) ||
	       ((next == HEADERS || next == DONE) && m->state == AFTER_DELIM) || (next == BODY && m->state == HEADERS) ||
	       next == FAILED);
	m->state = next;
}

static int fail(struct multipart *m, const char *why)
{
	snprintf(m->error, sizeof m->error, "%s", why);
	to(m, FAILED);
	return -1;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool tspecial(char c) { return c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c); }

/* Reads one parameter value at *s (a quoted-string or a token) into out; leaves *s
 * after it. -1 when malformed. */
static int param_value(const char **s, buf *out)
{
	const char *p = *s;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (!*p)
				return -1; /* unterminated */
			if (*p == '\\' && p[1])
				p++;
			buf_putc(out, *p);
		}
		p++;
	} else {
		/* A bare token; browsers never send one, but RFC 7578 allows it. The
		 * extended form's ' and % are token characters. */
		const char *start = p;
		while (*p && !tspecial(*p))
			p++;
		if (p == start)
			return -1;
		buf_append(out, start, (size_t)(p - start));
	}
	*s = p;
	return out->oom ? -1 : 0;
}

int multipart_ext_value(const char *v, buf *out)
{
	const char *q1 = strchr(v, '\'');
	const char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
	if (!q2)
		return -1;
	size_t cslen = (size_t)(q1 - v);
	bool latin1 = cslen == 10 && strncasecmp(v, "ISO-8859-1", 10) == 0;
	if (!latin1 && !(cslen == 5 && strncasecmp(v, "UTF-8", 5) == 0))
		return -1;
	for (const char *p = q2 + 1; *p; p++) {
		unsigned c = (unsigned char)*p;
		if (c == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0)
				return -1;
			c = (unsigned)(hi * 16 + lo);
			p += 2;
		} else if (tspecial((char)c) || c == '*') {
			return -1;
		}
		if (latin1 && c >= 0x80) { /* ISO-8859-1 is the first 256 code points */
			buf_putc(out, (char)(0xC0 | (c >> 6)));
			buf_putc(out, (char)(0x80 | (c & 0x3F)));
		} else {
			buf_putc(out, (char)c);
		}
	}
	return out->oom ? -1 : 0;
}

/* A name that is text: valid UTF-8, no control characters. */
static bool printable(const buf *b)
{
	if (!utf8_valid(b->data ? b->data : "", b->len))
		return false;
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			return false;
	return true;
}

struct part_head {
	buf name, filename, filename_ext, type;
	bool has_name, has_filename, has_ext;
};

static void head_free(struct part_head *h)
{
	buf_free(&h->name);
	buf_free(&h->filename);
	buf_free(&h->filename_ext);
	buf_free(&h->type);
}

/* Content-Disposition: form-data; name="..."; filename="..."; filename*=... */
static const char *disposition(const char *v, struct part_head *h)
{
	v = skip_ws(v);
	if (strncasecmp(v, "form-data", 9) != 0)
		return "A part of the form is not form-data.";
	v = skip_ws(v + 9);
	while (*v) {
		if (*v != ';')
			return "A part's Content-Disposition header is malformed.";
		v = skip_ws(v + 1);
		if (!*v)
			break;
		const char *eq = v;
		while (*eq && *eq != '=' && *eq != ';')
			eq++;
		if (*eq != '=')
			return "A part's Content-Disposition header is malformed.";
		size_t klen = (size_t)(eq - v);
		while (klen && (v[klen - 1] == ' ' || v[klen - 1] == '\t'))
			klen--;
		buf *out = NULL;
		bool *seen = NULL;
		buf ignored = BUF_INIT;
		if (klen == 4 && strncasecmp(v, "name", 4) == 0)
			out = &h->name, seen = &h->has_name;
		else if (klen == 8 && strncasecmp(v, "filename", 8) == 0)
			out = &h->filename, seen = &h->has_filename;
		else if (klen == 9 && strncasecmp(v, "filename*", 9) == 0)
			out = &h->filename_ext, seen = &h->has_ext;
		if (seen && *seen)
			return "A part names the same parameter twice.";
		v = skip_ws(eq + 1);
		int rc = param_value(&v, out ? out : &ignored);
		buf_free(&ignored);
		if (rc < 0)
			return "A part's Content-Disposition header is malformed (a file name with a raw quote?).";
		if (seen)
			*seen = true;
		v = skip_ws(v);
	}
	return NULL;
}

/* Parses a part's header block (lines without the final empty one) and announces
 * the part. */
static int begin_part(struct multipart *m, const char *block, size_t len)
{
	struct part_head h = {0};
	const char *why = NULL;
	bool has_disposition = false;
	for (size_t at = 0; at < len && !why;) {
		const char *line = block + at;
		const char *eol = memmem(line, len - at, "\r\n", 2);
		size_t n = eol ? (size_t)(eol - line) : len - at;
		at += n + 2;
		char *text = xstrndup(line, n);
		if (!text || memchr(line, '\0', n)) {
			why = text ? "A part's headers hold a NUL byte." : "Out of memory.";
		} else {
			char *colon = strchr(text, ':');
			if (!colon) {
				why = "A part's header line is malformed.";
			} else if ((size_t)(colon - text) == 19 && strncasecmp(text, "Content-Disposition", 19) == 0) {
				why = has_disposition ? "A part has two Content-Disposition headers." : disposition(colon + 1, &h);
				has_disposition = true;
			} else if ((size_t)(colon - text) == 12 && strncasecmp(text, "Content-Type", 12) == 0) {
				buf_puts(&h.type, str_trim(colon + 1));
			}
		}
		free(text);
	}
	if (!why && !has_disposition)
		why = "A part of the form has no Content-Disposition header.";
	if (!why && (!h.has_name || !h.name.len))
		why = "A part of the form has no name.";
	buf *fname = h.has_ext ? &h.filename_ext : &h.filename;
	if (!why && h.has_ext) {
		buf decoded = BUF_INIT;
		if (multipart_ext_value(h.filename_ext.data ? h.filename_ext.data : "", &decoded) < 0)
			why = "A file name (filename*) could not be decoded.";
		buf_free(&h.filename_ext);
		h.filename_ext = decoded;
	}
	if (!why && (!printable(&h.name) || ((h.has_ext || h.has_filename) && !printable(fname))))
		why = "A field or file name is not valid text (invalid UTF-8 or control characters).";
	if (!why && (h.name.oom || fname->oom || h.type.oom))
		why = "Out of memory.";
	int rc = 0;
	if (why) {
		rc = fail(m, why);
	} else {
		const char *cb_why = "The form could not be read.";
		if (m->cb.begin(m->ctx, h.name.data, h.has_ext || h.has_filename ? (fname->data ? fname->data : "") : NULL,
				h.type.data, &cb_why) < 0)
			rc = fail(m, cb_why);
	}
	head_free(&h);
	return rc;
}

static int emit(struct multipart *m, const char *p, size_t n)
{
	const char *why = "The form could not be read.";
	if (n && m->cb.data(m->ctx, p, n, &why) < 0)
		return fail(m, why);
	return 0;
}

/* Drops the first n bytes of hold. */
static void consume(struct multipart *m, size_t n)
{
	/* Every caller takes bytes it has looked at; the check stays without asserts,
	 * since a larger n would move memory past the buffer. */
	assert(n <= m->hold.len);
	if (n > m->hold.len)
		n = m->hold.len;
	memmove(m->hold.data, m->hold.data + n, m->hold.len - n);
	m->hold.len -= n;
}

/* Does as much as the held bytes allow; 0 when it needs more, -1 on failure. */
static int step(struct multipart *m)
{
	assert(m->dlen > 4 && m->dlen < sizeof m->delim); /* "\r\n--" and a boundary */
	for (;;) {
		const char *h = m->hold.data;
		size_t n = m->hold.len;
		const char *hit;
		switch (m->state) {
		case PREAMBLE:
		case BODY:
			hit = n >= m->dlen ? memmem(h, n, m->delim, m->dlen) : NULL;
			if (!hit) {
				size_t safe = n >= m->dlen ? n - (m->dlen - 1) : 0;
				if (m->state == BODY && emit(m, h, safe) < 0)
					return -1;
				consume(m, safe);
				return 0;
			}
			if (m->state == BODY) {
				const char *why = "The form could not be read.";
				if (emit(m, h, (size_t)(hit - h)) < 0)
					return -1;
				if (m->cb.end(m->ctx, &why) < 0)
					return fail(m, why);
			}
			consume(m, (size_t)(hit - h) + m->dlen);
			to(m, AFTER_DELIM);
			break;
		case AFTER_DELIM: {
			/* "--" closes the body; otherwise optional blanks, then a line break. */
			size_t i = 0;
			if (n >= 2 && h[0] == '-' && h[1] == '-') {
				to(m, DONE);
				m->hold.len = 0;
				return 0;
			}
			while (i < n && (h[i] == ' ' || h[i] == '\t'))
				i++;
			if (i + 2 > n) {
				if (n > 64)
					return fail(m, "A boundary of the form is followed by junk.");
				return 0;
			}
			if (h[i] != '\r' || h[i + 1] != '\n')
				return fail(m, "A boundary of the form is followed by junk.");
			consume(m, i + 2);
			to(m, HEADERS);
			break;
		}
		case HEADERS:
			if (n >= 2 && h[0] == '\r' && h[1] == '\n')
				return fail(m, "A part of the form has no headers.");
			hit = memmem(h, n, "\r\n\r\n", 4);
			if (!hit) {
				if (n > MAX_HEADERS)
					return fail(m, "A part's headers are too large.");
				return 0;
			}
			if (begin_part(m, h, (size_t)(hit - h)) < 0)
				return -1;
			consume(m, (size_t)(hit - h) + 4);
			to(m, BODY);
			break;
		default: /* DONE: the epilogue is ignored; FAILED: nothing more */
			assert(m->state == DONE || m->state == FAILED);
			m->hold.len = 0;
			return m->state == FAILED ? -1 : 0;
		}
	}
}

int multipart_init(struct multipart *m, const char *content_type, const struct multipart_cb *cb, void *ctx)
{
	*m = (struct multipart){.cb = *cb, .ctx = ctx};
	const char *b = content_type ? strcasestr(content_type, "boundary=") : NULL;
	buf boundary = BUF_INIT;
	if (b) {
		b += 9;
		if (param_value(&b, &boundary) < 0)
			buf_reset(&boundary);
	}
	if (!boundary.len || boundary.len > 70) {
		buf_free(&boundary);
		return fail(m, "The multipart form has no valid boundary.");
	}
	m->dlen = (size_t)snprintf(m->delim, sizeof m->delim, "\r\n--%s", boundary.data);
	buf_free(&boundary);
	buf_puts(&m->hold, "\r\n"); /* so that the first boundary is a delimiter too */
	m->state = PREAMBLE;
	return m->hold.oom ? fail(m, "Out of memory.") : 0;
}

int multipart_feed(struct multipart *m, const char *data, size_t len)
{
	if (m->state == FAILED)
		return -1;
	if (m->state == DONE)
		return 0;
	buf_append(&m->hold, data, len);
	if (m->hold.oom)
		return fail(m, "Out of memory.");
	return step(m);
}

int multipart_finish(struct multipart *m)
{
	if (m->state == FAILED)
		return -1;
	if (m->state != DONE)
		return fail(m, "The multipart form ended before its closing boundary.");
	return 0;
}

void multipart_free(struct multipart *m)
{
	buf_free(&m->hold);
}
