/* smtp.c - one message to one recipient over SMTP with libcurl (see mail.h). The
 * URL's credentials are libcurl's to use (AUTH PLAIN, LOGIN, ... as the server
 * offers); TLS certificates are always verified. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/config.h"
#include "../core/mailmsg.h"
#include "../core/util.h"
#include "mail.h"

struct reader {
	const char *p;
	size_t left;
};

static size_t read_msg(char *out, size_t size, size_t n, void *arg)
{
	struct reader *r = arg;
	size_t k = size * n < r->left ? size * n : r->left;
	memcpy(out, r->p, k);
	r->p += k;
	r->left -= k;
	return k;
}

/* "<addr>" for MAIL FROM and RCPT TO. */
static char *angle(const char *addr)
{
	buf b = BUF_INIT;
	buf_printf(&b, "<%s>", addr);
	return buf_detach(&b, NULL);
}

/* True when url's host is this machine (127.0.0.1, localhost, ::1): a relay there
 * is reached without a network, so a clear connection is the operator's choice. */
static bool loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool yes = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		   curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		   (strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0);
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

int mail_smtp_send(const struct mail_server *s, const char *from_addr, const char *to_addr, const char *msg,
		   size_t len, char *err, size_t errlen)
{
	/* "?starttls" is ours, not libcurl's: it asks for STARTTLS, required. */
	const char *q = strchr(s->url, '?');
	char *url = q ? xstrndup(s->url, (size_t)(q - s->url)) : xstrdup(s->url);
	char *from = angle(from_addr), *to = angle(to_addr);
	struct curl_slist *rcpt = to ? curl_slist_append(NULL, to) : NULL;
	CURL *h = curl_easy_init();
	int rc = -1;
	if (!url || !from || !rcpt || !h) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	struct reader r = {msg, len};
	char why[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* ?starttls: required. Else STARTTLS whenever the server offers it, unless the
	 * relay is on this machine: across a network the reset links and the AUTH
	 * would otherwise go in clear to a server that could protect them. */
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(q ? CURLUSESSL_ALL : loopback(url) ? CURLUSESSL_NONE : CURLUSESSL_TRY));
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_msg);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
	if (s->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
	CURLcode c = curl_easy_perform(h);
	if (c == CURLE_OK) {
		rc = 0;
	} else {
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		/* libcurl's messages name the host and the server's reply, not the password. */
		errf(err, errlen, "%s (SMTP reply %ld)", why[0] ? why : curl_easy_strerror(c), code);
	}
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	free(to);
	free(from);
	free(url);
	return rc;
}

int mail_send(const char *to, const char *subject, const char *body, char *err, size_t errlen)
{
	if (!cfg.smtp_url)
		return errf(err, errlen, "SMTP_URL is not set");
	buf name = BUF_INIT, from = BUF_INIT, msg = BUF_INIT;
	struct mailmsg m = {.from = cfg.smtp_from, .to = to, .subject = subject, .body = body, .date_ms = now_ms()};
	int rc;
	if (mailmsg_mailbox(cfg.smtp_from, &name, &from) < 0 || mailmsg_format(&msg, &m) < 0) {
		rc = errf(err, errlen, "no message could be made (an unusable address or text, or out of memory)");
	} else {
		struct mail_server s = {.url = cfg.smtp_url, .ca_file = cfg.smtp_ca_file};
		rc = mail_smtp_send(&s, from.data, to, msg.data, msg.len, err, errlen);
	}
	buf_free(&name);
	buf_free(&from);
	buf_free(&msg);
	return rc;
}
