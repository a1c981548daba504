/* request.c - reading a request (query, form, cookies, files) and setting its
 * response. The parsers are strict about UTF-8 and bounded in the number of fields,
 * so a hostile body costs at most MAX_UPLOAD_BYTES and one pass. */
#include "http.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/util.h"

#define MAX_FIELDS 10000

int kv_add(kvlist *l, const char *key, size_t klen, const char *val, size_t vlen)
{
	if (l->n >= MAX_FIELDS)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		kv *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	kv *e = &l->v[l->n];
	e->key = xstrndup(key, klen);
	e->val = xstrndup(val, vlen);
	e->len = vlen;
	if (!e->key || !e->val) {
		free(e->key);
		free(e->val);
		return -1;
	}
	l->n++;
	return 0;
}

const char *kv_get(const kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

size_t kv_get_all(const kvlist *l, const char *key, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0) {
			if (n < max)
				out[n] = l->v[i].val;
			n++;
		}
	return n;
}

void kv_free(kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	*l = (kvlist){0};
}

int http_parse_urlencoded(kvlist *l, const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		if (stop > s) {
			const char *eq = memchr(s, '=', (size_t)(stop - s));
			size_t klen = (size_t)((eq ? eq : stop) - s);
			size_t vlen = eq ? (size_t)(stop - eq - 1) : 0;
			char *k = xstrndup(s, klen);
			char *v = xstrndup(eq ? eq + 1 : "", vlen);
			int rc = -1;
			if (k && v) {
				/* By the lengths, never strlen: a raw NUL must reach the check. */
				klen = url_decode(k, klen);
				vlen = url_decode(v, vlen);
				/* A NUL would silently cut the value wherever it is used as a C
				 * string: refuse it. (Files, in multipart, may hold anything.) */
				if (utf8_valid(k, klen) && utf8_valid(v, vlen) && !memchr(k, 0, klen) && !memchr(v, 0, vlen))
					rc = kv_add(l, k, klen, v, vlen);
			}
			free(k);
			free(v);
			if (rc < 0)
				return -1;
		}
		s = stop + 1;
	}
	return 0;
}

int http_parse_cookies(kvlist *l, const char *h)
{
	while (h && *h) {
		while (*h == ' ' || *h == ';' || *h == '\t')
			h++;
		const char *semi = strchr(h, ';');
		const char *stop = semi ? semi : h + strlen(h);
		const char *eq = memchr(h, '=', (size_t)(stop - h));
		if (eq && eq > h) {
			const char *v = eq + 1, *ve = stop;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
				v++, ve--;
			const char *ke = eq;
			while (ke > h && ke[-1] == ' ')
				ke--;
			if (kv_add(l, h, (size_t)(ke - h), v, (size_t)(ve - v)) < 0)
				return -1;
		}
		h = stop;
	}
	return 0;
}

int http_method_of(const char *m)
{
	static const struct {
		const char *name;
		int method;
	} methods[] = {
		{"GET", HTTP_GET},   {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},       {"PUT", HTTP_PUT},
		{"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH}, {"OPTIONS", HTTP_OPTIONS},
	};
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(m, methods[i].name) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

const char *http_query(const http_req *r, const char *key) { return kv_get(&r->query, key); }
const char *http_form(const http_req *r, const char *key) { return kv_get(&r->form, key); }
const char *http_cookie(const http_req *r, const char *key) { return kv_get(&r->cookies, key); }

size_t http_form_all(const http_req *r, const char *key, const char **out, size_t max)
{
	return kv_get_all(&r->form, key, out, max);
}

const char *http_param(const http_req *r, const char *key)
{
	const char *v = http_query(r, key);
	return v ? v : http_form(r, key);
}

const char *http_header(const http_req *r, const char *name)
{
	return r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *http_bearer(const http_req *r)
{
	const char *h = http_header(r, "Authorization");
	return h && strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
}

const http_file *http_file_get(const http_req *r, const char *field)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].field, field) == 0)
			return &r->files[i];
	return NULL;
}

/* ---- responses ---- */

static http_error_fn error_renderer;
static bool https;

void http_set_error_renderer(http_error_fn fn) { error_renderer = fn; }
void http_set_https(bool on) { https = on; }
bool http_https(void) { return https; }

void http_send(http_req *r, int status, const char *content_type, buf *body)
{
	buf_free(&r->out);
	r->static_out = NULL;
	if (r->stream_free)
		r->stream_free(r->stream_cls);
	r->stream_read = NULL;
	r->stream_free = NULL;
	r->stream_cls = NULL;
	r->out = *body;
	*body = BUF_INIT;
	r->status = status;
	free(r->content_type);
	r->content_type = xstrdup(content_type);
	r->responded = true;
}

void http_send_static(http_req *r, int status, const char *content_type, const void *data, size_t len)
{
	buf empty = BUF_INIT;
	http_send(r, status, content_type, &empty);
	r->static_out = data;
	r->static_len = len;
}

void http_send_text(http_req *r, int status, const char *content_type, const char *text)
{
	buf b = BUF_INIT;
	buf_puts(&b, text);
	http_send(r, status, content_type, &b);
}

void http_add_header(http_req *r, const char *name, const char *value)
{
	kv_add(&r->headers, name, strlen(name), value, strlen(value));
}

void http_redirect(http_req *r, int status, const char *location)
{
	http_add_header(r, "Location", location);
	http_send_text(r, status, "text/plain; charset=utf-8", "Redirecting\n");
}

void http_error(http_req *r, int status, const char *detail)
{
	if (error_renderer) {
		error_renderer(r, status, detail);
	} else {
		buf b = BUF_INIT;
		buf_printf(&b, "Error %d\n", status);
		http_send(r, status, "text/plain; charset=utf-8", &b);
	}
}

void http_error_retry(http_req *r, int status, const char *detail)
{
	http_add_header(r, "Retry-After", "5");
	http_error(r, status, detail);
}

void http_set_cookie(http_req *r, const char *name, const char *value, long max_age)
{
	buf b = BUF_INIT;
	buf_printf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, value);
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	if (https)
		buf_puts(&b, "; Secure");
	if (!b.oom)
		http_add_header(r, "Set-Cookie", b.data);
	buf_free(&b);
}
