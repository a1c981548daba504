/* server.c - the libmicrohttpd glue: an epoll thread pool (one thread per core),
 * reading request bodies within the limit the app sets as they arrive (beyond it, a
 * 413: the rest of the body is read and thrown away so that the client hears the
 * answer, or refused at once when the client waits for "100 Continue" or announces an
 * absurd size), handing complete requests to the app,
 * queueing its response with the security headers, one log line per request, and a
 * clean stop on SIGTERM/SIGINT that lets the requests in flight finish. Under
 * systemd it serves the socket it was handed (llmmeta.socket) and says when it is
 * ready and when it stops (core/systemd.h).
 *
 * Connections may be suspended and resumed (MHD_ALLOW_SUSPEND_RESUME), so a page
 * that waits on something slow never holds a worker thread. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/systemd.h"
#include "../core/util.h"
#include "body.h"
#include "guard.h"
#include "http_metrics.h"

/* Beyond this, an oversized body is not drained but answered at once (see below). */
#define DRAIN_MAX (256ULL * 1024 * 1024)

/* Each connection's libmicrohttpd memory pool: it holds the request head as read
 * (line and headers: up to about 15 KiB of them, more than nginx's default 8 KiB a line), the
 * buffer the body is read through and the buffer a streamed answer is written
 * through. It is memory every open connection holds - an API stream waiting on its
 * model included - and libmicrohttpd zeroes what was used of it after every request:
 * at 64 KiB it was most of the memory of 10,000 streams in flight
 * (docs/benchmarks.md, "The OpenAI-compatible API"). */
#define CONNECTION_POOL (16 * 1024)

/* The block of a streamed response: libmicrohttpd allocates (and zeroes) it for
 * each stream, but a chunked answer is written through the connection's pool, so
 * it is only used for an HTTP/1.0 client; a small one costs nothing else. */
#define STREAM_BLOCK (2 * 1024)

static struct http_options opts;
static atomic_int inflight;
/* Set on SIGTERM: the listener is closed and those in flight finish. */
static atomic_bool stopping;
/* The listener could not be closed (systemd's socket, which systemd keeps open for
 * the next process): a new request is then refused while those in flight finish. */
static atomic_bool refuse_new;

/* How long the requests in flight at a stop - a streamed answer among them - may
 * take to finish before the model calls still running are cancelled (their clients
 * are told), and how long those then have to be answered. */
#define DRAIN_S 10
#define CANCEL_S 3

int64_t http_requests_in_flight(void) { return atomic_load(&inflight); }

#define CSP_HEAD "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " \
		 "base-uri 'none'; form-action 'self'"
#define CSP_TAIL "; frame-ancestors 'none'"
static char csp[1024] = CSP_HEAD CSP_TAIL;

void http_set_form_action(const char *sources)
{
	/* Sources that do not fit leave the policy as it was: never a policy cut short. */
	if (!sources || !*sources || strlen(CSP_HEAD CSP_TAIL) + 1 + strlen(sources) >= sizeof csp)
		snprintf(csp, sizeof csp, "%s%s", CSP_HEAD, CSP_TAIL);
	else
		snprintf(csp, sizeof csp, "%s %s%s", CSP_HEAD, sources, CSP_TAIL);
}

static void req_free(http_req *r)
{
	body_free(r);
	kv_free(&r->query);
	kv_free(&r->form);
	kv_free(&r->cookies);
	kv_free(&r->headers);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].field);
		free(r->files[i].filename);
		free(r->files[i].content_type);
		buf_free(&r->files[i].data);
	}
	free(r->files);
	buf_free(&r->body);
	buf_free(&r->out);
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	free(r->method_name);
	free(r->path);
	if (r->app_free)
		r->app_free(r->app);
	free(r->content_type);
	free(r);
}

static void client_addr(http_req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(r->addr, sizeof r->addr, "unknown");
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->addr, sizeof r->addr);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->addr,
				  sizeof r->addr);
	}
	/* Behind a trusted reverse proxy the client is the last address it appended. */
	const char *xff = opts.trust_proxy ? http_header(r, "X-Forwarded-For") : NULL;
	if (xff && *xff) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		snprintf(r->addr, sizeof r->addr, "%.*s", (int)strcspn(last, " "), last);
	}
}

static enum MHD_Result on_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	http_req *r = cls;
	if (!value)
		value = "";
	if (!utf8_valid(key, strlen(key)) || !utf8_valid(value, strlen(value)) ||
	    kv_add(&r->query, key, strlen(key), value, strlen(value)) < 0)
		r->bad_why = "The query string is malformed (invalid UTF-8 or too many fields).";
	return MHD_YES;
}

static void add_headers(struct MHD_Response *resp, const http_req *r)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : "text/plain; charset=utf-8");
	bool cache_set = false;
	for (size_t i = 0; i < r->headers.n; i++) {
		MHD_add_response_header(resp, r->headers.v[i].key, r->headers.v[i].val);
		cache_set |= strcasecmp(r->headers.v[i].key, "Cache-Control") == 0;
	}
	if (!cache_set)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	if (http_https())
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

/* Hands the answer to libmicrohttpd, which keeps its own reference to resp. From
 * here on the answer is libmicrohttpd's: r->queued tells the calls that follow. */
static enum MHD_Result queue(http_req *r, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	add_headers(resp, r);
	enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	r->queued = rc == MHD_YES;
	MHD_destroy_response(resp);
	return rc;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max);

static enum MHD_Result respond_stream(http_req *r)
{
	/* The reader's state lives as long as the request: on_completed frees it. */
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_reader, r, NULL);
	return queue(r, resp);
}

static enum MHD_Result respond(http_req *r)
{
	if (!r->responded)
		http_error(r, 500, "The page produced no answer.");
	if (r->stream_read)
		return respond_stream(r);
	if (r->static_out) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_out,
									     MHD_RESPMEM_PERSISTENT);
		r->out.len = r->static_len; /* remembered for the log line */
		return queue(r, resp);
	}
	size_t len;
	char *body = buf_detach(&r->out, &len);
	if (!body) {
		r->status = 500;
		body = xstrdup("Out of memory\n");
		len = body ? strlen(body) : 0;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	r->out.len = len; /* remembered for the log line */
	return queue(r, resp);
}

static enum MHD_Result complete(http_req *r)
{
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, on_query, r);
	int status;
	if (r->refused) {
		/* answered when the headers came */
	} else if (r->too_large) {
		char msg[128];
		snprintf(msg, sizeof msg, "The request is larger than the limit of %zu bytes.", r->body_limit);
		http_error(r, 413, msg);
	} else if ((status = body_finish(r)) != 0) {
		if (status == 503)
			http_error_retry(r, status, r->bad_why);
		else
			http_error(r, status, r->bad_why);
	} else {
		opts.handler(r);
	}
	r->dispatched = true;
	/* Handed off: the other thread may be writing the answer into r right now. */
	if (r->handed_off)
		return MHD_YES;
	if (r->suspended && !r->responded)
		return MHD_YES;
	return respond(r);
}

/* The connection was resumed: let the page answer or wait again. */
static enum MHD_Result resumed(http_req *r)
{
	r->suspended = false;
	r->handed_off = false;
	if (r->on_resume && !r->responded)
		r->on_resume(r);
	if (r->suspended && !r->responded)
		return MHD_YES;
	return respond(r);
}

void http_suspend(http_req *r)
{
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

void http_hand_off(http_req *r)
{
	r->handed_off = true;
	http_suspend(r);
}

void http_resume(struct MHD_Connection *conn)
{
	MHD_resume_connection(conn);
}

bool http_peer_closed(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return false;
	char byte;
	ssize_t n = recv(ci->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void http_stream_wait(struct MHD_Connection *conn)
{
	MHD_suspend_connection(conn);
}

void http_send_stream(http_req *r, int status, const char *content_type, long (*read)(void *cls, char *out, size_t max),
		      void (*free_cls)(void *cls), void *cls)
{
	r->stream_read = read;
	r->stream_free = free_cls;
	r->stream_cls = cls;
	r->static_out = NULL;
	r->status = status;
	free(r->content_type);
	r->content_type = xstrdup(content_type);
	buf_free(&r->out);
	r->responded = true;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	http_req *r = cls;
	long n = r->stream_read(r->stream_cls, out, max);
	if (n > 0)
		r->out.len += (size_t)n;
	return n == HTTP_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM
	       : n == HTTP_STREAM_ERROR ? MHD_CONTENT_READER_END_WITH_ERROR
					: (ssize_t)n;
}

/* Decodes %XX in the path and the query. A %00 becomes 0xFF, which is never UTF-8,
 * so the request is refused (400) instead of being cut short at the NUL. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		int hi = s[i] == '%' ? hexval(s[i + 1]) : -1, lo = hi >= 0 ? hexval(s[i + 2]) : -1;
		if (lo >= 0) {
			char v = (char)(hi * 16 + lo);
			s[o++] = v ? v : (char)0xFF;
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* What the request's headers say about where its body ends. */
struct framing {
	int content_length, transfer_encoding;
	bool invalid; /* a Content-Length that is not one number, a coding other than chunked */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->content_length++;
		if (!value || !*value || value[strspn(value, "0123456789")])
			f->invalid = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		if (!value || strcasecmp(value, "chunked") != 0)
			f->invalid = true;
	}
	return MHD_YES;
}

/* True when the body's end could be read two ways: two Content-Length headers (or a
 * list in one), or Content-Length with Transfer-Encoding. A proxy in front may take
 * the other reading, and the bytes one side thinks are body the other runs as a
 * second request; RFC 9112 section 6.3 makes this an error that closes the
 * connection. Checked on every header instance, whatever libmicrohttpd would pick. */
static bool framing_ambiguous(struct MHD_Connection *c)
{
	struct framing f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	return f.invalid || f.content_length > 1 || f.transfer_encoding > 1 || (f.content_length && f.transfer_encoding);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)cls;
	http_req *r = *con_cls;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		*con_cls = r;
		atomic_fetch_add(&inflight, 1);
		guard_head_complete(c);
		r->conn = c;
		r->start_ms = mono_ms();
		r->start_us = mono_us();
		r->method = http_method_of(method);
		r->method_name = xstrdup(method);
		r->path = xstrdup(url);
		if (!r->method_name || !r->path)
			return MHD_NO;
		client_addr(r);
		if (framing_ambiguous(c)) {
			/* Answered before any of the body is read, and the connection closed
			 * after the answer: nothing after these headers is taken as a request. */
			http_error(r, 400, "The request's length is ambiguous (two Content-Length headers, or "
					   "Content-Length with Transfer-Encoding).");
			http_add_header(r, "Connection", "close");
			r->refused = true;
			return complete(r);
		}
		if (http_parse_cookies(&r->cookies, http_header(r, MHD_HTTP_HEADER_COOKIE)) < 0)
			r->bad_why = "The Cookie header is malformed.";
		if (!utf8_valid(r->path, strlen(r->path)))
			r->bad_why = "The address is not valid (invalid UTF-8, or an encoded NUL byte).";
		if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && !http_header(r, MHD_HTTP_HEADER_HOST))
			r->bad_why = "An HTTP/1.1 request must have a Host header.";
		if (atomic_load(&refuse_new)) {
			/* Draining with a listener still open: answered from the headers, as the
			 * app's refusals are below, and the connection closed after, so that the
			 * client comes back after the restart or goes elsewhere
			 * (docs/architecture.md). */
			http_error_retry(r, 503, "The server is restarting: try again in a moment.");
			http_add_header(r, "Connection", "close");
		} else if (atomic_load(&stopping)) {
			/* Draining, the listener closed: a request on a connection kept alive
			 * from before is served (no one else can have it) and its connection
			 * closed, so that the client's next request goes to whoever listens now. */
			http_add_header(r, "Connection", "close");
		}
		body_begin(r, opts.file_keep, opts.max_receiving);
		r->body_limit = opts.body_limit ? opts.body_limit(r) : opts.max_body;
		const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
		if (r->responded) {
			r->refused = true; /* the app answered from the headers (429, say) */
		} else if (declared > r->body_limit) {
			r->too_large = true;
		} else if (!r->mp && body_over_budget(declared)) {
			r->busy = true; /* kept whole, it would not fit now */
		} else {
			return MHD_YES;
		}
		/* Refused before the body: a client waiting for "100 Continue" hears the
		 * answer before sending anything; an absurd size is refused at once. Other
		 * clients are still sending: the body is drained, keeping nothing, so that
		 * they can read the answer instead of a reset connection. */
		const char *expect = http_header(r, MHD_HTTP_HEADER_EXPECT);
		if ((expect && strcasecmp(expect, "100-continue") == 0) || declared > DRAIN_MAX)
			return complete(r);
		return MHD_YES;
	}
	if (*size) {
		size_t n = *size;
		*size = 0;
		if (r->too_large || r->refused)
			return MHD_YES; /* drain what is left, keep nothing */
		r->received += n;
		if (r->received > r->body_limit) {
			r->too_large = true;
			body_free(r);
			buf_free(&r->body);
			return MHD_YES;
		}
		body_feed(r, data, n);
		return MHD_YES;
	}
	if (r->dispatched) /* libmicrohttpd's last call for a request answered from its head */
		return r->queued ? MHD_YES : resumed(r);
	return complete(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	http_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	if (r->on_close)
		r->on_close(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->stream_free)
		r->stream_free(r->stream_cls);
	long long ms = (long long)(mono_ms() - r->start_ms);
	http_metrics_request(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK, mono_us() - r->start_us);
	log_request(r->method_name, r->log_path ? r->log_path : r->path, r->status, r->out.len, ms,
		    opts.log_user ? opts.log_user(r) : NULL,
		    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	req_free(r);
	atomic_fetch_sub(&inflight, 1);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		guard_request_done(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	str_trim(msg);
	log_warn("http: %s", msg);
}

/* Half the descriptors the process may open (the other half is for provider calls
 * and the database), at most 10000. */
static unsigned default_connection_limit(void)
{
	struct rlimit rl;
	rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 2 : 512;
	return n > 10000 ? 10000 : n < 64 ? 64 : (unsigned)n;
}

/* Stops listening at once, so that the connections the port gets from now on go to
 * another process listening on it (SO_REUSEPORT), or are refused. Not
 * MHD_quiesce_daemon: in libmicrohttpd 0.9.75 it races the epoll workers, which
 * remove the listening socket from their sets too, and the loser aborts the process
 * ("Failed to remove listen FD from epoll set"). Instead the socket's descriptor is
 * made to name a socket that never listens: the listening socket, its last
 * descriptor gone, closes, and the kernel drops it from every epoll set, while
 * libmicrohttpd keeps a valid descriptor that it closes at the stop. 0 or -1 (the
 * listener stays). */
static int close_listener(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	if (!info || info->listen_fd == MHD_INVALID_SOCKET)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int inert = getsockname(info->listen_fd, (struct sockaddr *)&ss, &sl) == 0
			    ? socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
			    : -1;
	if (inert < 0 || dup2(inert, info->listen_fd) < 0) {
		log_warn("http: cannot close the listener (new requests get 503 until the stop): %s", strerror(errno));
		if (inert >= 0)
			close(inert);
		return -1;
	}
	close(inert);
	return 0;
}

/* Waits until no request is in flight, or ms have passed. */
static void wait_drained(int64_t ms)
{
	for (int64_t end = mono_ms() + ms; atomic_load(&inflight) > 0 && mono_ms() < end;)
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
}

int http_serve(const struct http_options *o)
{
	opts = *o;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the pool threads inherit this */
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_storage ss = {0};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, o->bind, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, o->bind, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "llmmeta: BIND: not an address: %s\n", o->bind);
		return -1;
	}
	unsigned limit = o->max_connections ? o->max_connections : default_connection_limit();
	if (guard_start(limit, HTTP_HEAD_TIMEOUT_S, HTTP_KEEPALIVE_S, HTTP_HEAD_GRACE_S) < 0) {
		fprintf(stderr, "llmmeta: cannot start a thread\n");
		return -1;
	}
	/* A socket systemd passed is served in place of BIND and PORT: it was bound before
	 * this process started, which is what lets it restart without refusing anyone. */
	int inherited = sd_listen_socket();
	if (inherited == -2) {
		guard_stop();
		fprintf(stderr, "llmmeta: LISTEN_FDS: more than one socket passed; llmmeta serves one\n");
		return -1;
	}
	if (inherited >= 0) {
		socklen_t sl = sizeof ss;
		if (getsockname(inherited, (struct sockaddr *)&ss, &sl) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
			guard_stop();
			fprintf(stderr, "llmmeta: LISTEN_FDS: the socket passed is not a TCP socket\n");
			return -1;
		}
		flags &= ~(unsigned)MHD_USE_IPv6;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)o->port, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)(inherited >= 0 ? inherited : MHD_INVALID_SOCKET), MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		/* SO_REUSEPORT: a new instance may listen on the port before this one
		 * stops, and takes the connections once this one closes its listener. */
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_connections, MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_NOTIFY_CONNECTION, guard_notify, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_POOL, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		NULL, MHD_OPTION_END);
	if (!d) {
		guard_stop();
		fprintf(stderr, "llmmeta: cannot listen on %s port %d (in use, or not allowed)\n", o->bind, o->port);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : (unsigned)o->port;
	char host[INET6_ADDRSTRLEN] = "";
	if (inherited >= 0) { /* libmicrohttpd reports PORT, not the socket's own */
		port = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
		inet_ntop(ss.ss_family, ss.ss_family == AF_INET ? (void *)&in4->sin_addr : (void *)&in6->sin6_addr, host,
			  sizeof host);
	}
	const char *shown = inherited >= 0 ? host : o->bind;
	printf(strchr(shown, ':') ? "llmmeta: listening on http://[%s]:%u/%s\n" : "llmmeta: listening on http://%s:%u/%s\n",
	       shown, port, inherited >= 0 ? " (the socket systemd passed)" : "");
	fflush(stdout);
	log_info("serving with %d threads", o->threads);
	if (sd_notify_send("READY=1") < 0)
		log_warn("NOTIFY_SOCKET: cannot tell the service manager that llmmeta is ready: %s", strerror(errno));

	int sig = 0;
	sigwait(&set, &sig);
	sd_notify_send("STOPPING=1");
	log_info("%s: finishing the requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&stopping, true);
	if (inherited >= 0 || close_listener(d) < 0)
		atomic_store(&refuse_new, true);
	wait_drained(DRAIN_S * 1000);
	if (o->before_stop)
		o->before_stop();
	wait_drained(CANCEL_S * 1000);
	MHD_stop_daemon(d);
	guard_stop();
	log_info("stopped");
	return 0;
}
