/* http.h - the request and response as the pages see them, on top of
 * libmicrohttpd. A page handler gets a fully read request (query, form fields,
 * uploaded files, cookies, route parameters), sets one response through the
 * http_send* functions, and returns. The server adds the security headers, logs the
 * request and frees everything afterwards: a handler never frees what it got. */
#ifndef LLMMETA_HTTP_H
#define LLMMETA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

enum http_method {
	HTTP_GET = 1,
	HTTP_HEAD = 2,
	HTTP_POST = 4,
	HTTP_PUT = 8,
	HTTP_DELETE = 16,
	HTTP_PATCH = 32,
	HTTP_OPTIONS = 64,
	HTTP_OTHER = 128,
};

typedef struct kv {
	char *key;
	char *val; /* NUL-terminated; len excludes the NUL */
	size_t len;
} kv;

typedef struct kvlist {
	kv *v;
	size_t n, cap;
} kvlist;

typedef struct http_file {
	char *field;
	char *filename; /* as sent by the client: never use it as a path */
	char *content_type;
	buf data;    /* the bytes kept: all of them unless cut */
	size_t size; /* the bytes received */
	bool cut;    /* more than http_options.file_keep came: data holds the first ones */
} http_file;

#define HTTP_MAX_PARAMS 4

struct route;

typedef struct http_req {
	struct MHD_Connection *conn;
	int method;
	char *method_name;
	char *path;     /* percent-decoded, without the query string */
	const char *log_path; /* logged in place of path when set (a path that holds a secret) */
	kvlist query;   /* decoded query parameters, in order */
	kvlist form;    /* urlencoded or multipart fields */
	kvlist cookies;
	http_file *files;
	size_t nfiles;
	buf body;       /* the raw body of other content types (JSON) */
	char *params[HTTP_MAX_PARAMS]; /* route parameters, in pattern order */
	int nparams;
	/* The route, matched once when the headers arrive (body_limit) and used to
	 * dispatch when the body is in: the app's, opaque here. */
	const struct route *route;
	int route_result;
	int allowed;
	bool routed;
	char addr[64];  /* the client's address */
	int64_t start_ms;
	int64_t start_us; /* the same moment, for the duration metric */

	/* The application's state for this request (who is asking, their session and
	 * CSRF token: auth/'s struct visitor), opaque here: http/ knows no users. The
	 * application sets both; the server calls app_free(app) when it frees the
	 * request, answered or not. */
	void *app;
	void (*app_free)(void *app);

	/* The response. */
	int status;
	char *content_type;
	buf out;
	const void *static_out; /* http_send_static: sent in place of out */
	size_t static_len;
	kvlist headers;
	bool responded;

	/* Waiting on something slow (http_suspend): called when the connection is
	 * resumed, to answer or suspend again. */
	void (*on_resume)(struct http_req *r);
	/* Called once when the request ends, answered or not (the client went away). */
	void (*on_close)(struct http_req *r, bool completed);
	/* The page's state across suspensions, for on_resume and on_close (generic
	 * machinery like stream_cls: it lives as long as the suspension, whereas app
	 * lives as long as the request). */
	void *job;
	bool suspended;
	bool handed_off; /* http_hand_off: another thread answers; the worker waits */
	bool dispatched;
	bool queued; /* its answer is with libmicrohttpd (server.c respond) */

	/* A streamed answer (http_send_stream). */
	long (*stream_read)(void *cls, char *out, size_t max);
	void (*stream_free)(void *cls);
	void *stream_cls;

	/* Reading the request (server.c and body.c only). */
	struct multipart *mp;
	http_file *part_file; /* the multipart file being read */
	bool part_field, part_skip;
	size_t part_cap; /* bytes allocated for the form field being read */
	size_t received;
	size_t body_limit;
	size_t file_keep;
	size_t held;       /* bytes of the body budget this request holds */
	bool too_large;
	bool busy;         /* over the body budget: 503 */
	bool refused;      /* answered before the body was read (e.g. 429) */
	const char *bad_why; /* why the body cannot be read: 400 */
	char bad_text[160];
	int body_kind;
} http_req;

/* ---- reading ---- */
/* A query parameter or form field (urlencoded or multipart) by name: the first value
 * when the field is repeated; NULL when absent. */
const char *http_query(const http_req *r, const char *key);
const char *http_form(const http_req *r, const char *key);
/* Every value of a repeated form field (ids=1&ids=2), in the order sent: stores the
 * first max of them in out and returns how many there are, so a result above max
 * says some were left out. */
size_t http_form_all(const http_req *r, const char *key, const char **out, size_t max);
const char *http_cookie(const http_req *r, const char *key);
const char *http_header(const http_req *r, const char *name);
/* The credentials of `Authorization: Bearer <credentials>` (scheme in any case), as
 * sent after the one space; NULL without such a header. */
const char *http_bearer(const http_req *r);
const http_file *http_file_get(const http_req *r, const char *field);
/* A value from the query, or if absent the form. */
const char *http_param(const http_req *r, const char *key);

/* ---- responding ----
 * Each http_send* (and http_redirect, http_error) sets the status, type and body,
 * replacing what an earlier call set: the last call wins. Headers added with
 * http_add_header and cookies accumulate and go with whichever body wins. */
/* Takes ownership of body's data. */
void http_send(http_req *r, int status, const char *content_type, buf *body);
void http_send_text(http_req *r, int status, const char *content_type, const char *text);
/* Sends data that lives as long as the process (compiled-in assets), without a copy. */
void http_send_static(http_req *r, int status, const char *content_type, const void *data, size_t len);
void http_redirect(http_req *r, int status, const char *location);
/* An error page for status, through the renderer the app registered. */
void http_error(http_req *r, int status, const char *detail);
/* http_error with "Retry-After: 5": a refusal for now (429: too many of the
 * user's own; 503: the server is busy or restarting) that a client may retry in a
 * few seconds. One figure everywhere, so that clients and load balancers learn one. */
void http_error_retry(http_req *r, int status, const char *detail);
void http_add_header(http_req *r, const char *name, const char *value);
/* Sets a cookie: Path=/, HttpOnly, SameSite=Lax, and Secure when PUBLIC_URL is
 * https. max_age < 0 makes a session cookie, 0 deletes it. */
void http_set_cookie(http_req *r, const char *name, const char *value, long max_age);
/* Appends a Content-Disposition value to b: attachment with name as an ASCII
 * fallback (anything outside printable ASCII, quotes, backslashes and slashes
 * replaced by '_') and as filename*=UTF-8''percent-encoded (RFC 6266). */
void http_disposition(buf *b, const char *name);

/* Suspends the connection: no thread waits. Must be called from the handler (or
 * on_resume) with the page's own lock held, so that whoever calls http_resume cannot
 * run before it. */
void http_suspend(http_req *r);
/* Resumes a suspended connection from any thread; on_resume runs next. */
void http_resume(struct MHD_Connection *conn);
/* Whether the client of a suspended connection has closed it (or it broke):
 * libmicrohttpd does not watch a suspended connection, so a page waiting on
 * something slow asks, now and then, instead of waiting for its answer to fail.
 * Data the client sent ahead (a pipelined request) is not a close. */
bool http_peer_closed(struct MHD_Connection *conn);
/* Hands the request to another thread: suspends the connection, and from then on
 * the worker that called it (the handler, which returns next) touches r no more.
 * The other thread answers on r with the http_send* functions, as a handler would,
 * then calls http_resume(r->conn) once, last; the answer is sent then. Work that
 * must not hold an HTTP worker (a password hash) is done so. */
void http_hand_off(http_req *r);

/* Answers with a body of unknown length, sent chunked as it is produced. read
 * copies up to max bytes into out and returns how many; 0 when nothing is ready
 * yet (it must then have suspended the connection with http_stream_wait, under the
 * same lock its producer takes to resume it); HTTP_STREAM_END at the end;
 * HTTP_STREAM_ERROR to drop the connection. free runs when the response is done. */
#define HTTP_STREAM_END (-1L)
#define HTTP_STREAM_ERROR (-2L)
void http_send_stream(http_req *r, int status, const char *content_type, long (*read)(void *cls, char *out, size_t max),
		      void (*free_cls)(void *cls), void *cls);
void http_stream_wait(struct MHD_Connection *conn);

typedef void (*http_error_fn)(http_req *r, int status, const char *detail);
void http_set_error_renderer(http_error_fn fn);
/* The site is served over https (behind a proxy): cookies get Secure, responses
 * Strict-Transport-Security. Set once, before serving. */
void http_set_https(bool on);
bool http_https(void);
/* Origins a form may send the browser to besides this site (space-separated, e.g.
 * "https://accounts.google.com"), added to the Content-Security-Policy's form-action:
 * the sign-in buttons post here and are redirected there, and browsers hold that
 * redirect to form-action. At most a few hundred characters; set once, before serving. */
void http_set_form_action(const char *sources);

/* ---- parsing (exposed for the tests) ---- */
int kv_add(kvlist *l, const char *key, size_t klen, const char *val, size_t vlen);
/* The first value for key, or NULL. */
const char *kv_get(const kvlist *l, const char *key);
/* Every value for key, as http_form_all. */
size_t kv_get_all(const kvlist *l, const char *key, const char **out, size_t max);
void kv_free(kvlist *l);
/* Parses a=1&b=2 (application/x-www-form-urlencoded) into l. Returns 0, or -1 on
 * invalid UTF-8, too many fields or out of memory. */
int http_parse_urlencoded(kvlist *l, const char *s, size_t len);
/* Parses a Cookie header ("a=1; b=2"). Returns 0 or -1 (out of memory). */
int http_parse_cookies(kvlist *l, const char *header);
int http_method_of(const char *name);

/* Gives back the share of the receiving budget (http_options.max_receiving) that
 * r's body holds, for a handler that keeps the body past its own reading (an API
 * call waiting on a slow provider must not keep every other upload out). */
void http_body_release(http_req *r);

/* ---- the server ---- */
typedef void (*http_handler)(http_req *r);

struct http_options {
	const char *bind;
	int port;
	int threads;
	size_t max_body;
	/* The largest body this request may send, decided from its method, path and
	 * headers before any of the body is read (NULL: max_body for all). It may also
	 * answer at once (http_error, e.g. 429): the body is then not read. */
	size_t (*body_limit)(http_req *r);
	/* Who made the request, for the access log (NULL, or a NULL answer: nobody
	 * named); http/ does not know users, the application does. */
	const char *(*log_user)(const http_req *r);
	/* Of each uploaded file, at most this many bytes are kept (0: all); the rest is
	 * counted in http_file.size and the file marked cut. */
	size_t file_keep;
	/* Bytes of request bodies held in memory at once, all requests together (0: no
	 * limit); a request that would pass it is answered 503 with Retry-After. */
	size_t max_receiving;
	unsigned per_ip_connections; /* 0: no limit */
	/* All connections at once (0: half the descriptors the process may open, at most
	 * 10000); at most half may be waiting for their request heads (guard.c). */
	unsigned max_connections;
	bool trust_proxy;
	http_handler handler;
	/* Runs once the requests in flight at a stop have had their time to finish
	 * (a streamed answer among them): the place to end what suspended connections
	 * still wait on, before the server waits for them once more. */
	void (*before_stop)(void);
};

/* Starts the server, blocks until SIGTERM or SIGINT, lets the requests in flight
 * finish, stops. Returns 0, or -1 with a message on stderr. */
int http_serve(const struct http_options *o);

#endif
