/* fetch.c - the HTTP calls to sign-in providers: one synchronous libcurl transfer
 * each, with connect and total timeouts and a cap on the answer's size. A sign-in
 * makes two to four such calls on the worker thread that serves it; they are rare
 * and short, unlike a model's answer, which is why they do not go through the LLM
 * engine's multi handle (docs/sign-in.md). */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/util.h"
#include "oauth_impl.h"

#ifndef LLMMETA_VERSION
#define LLMMETA_VERSION "0.0.0"
#endif

static size_t collect(char *data, size_t size, size_t n, void *userp)
{
	buf *b = userp;
	if (b->len + size * n > OAUTH_MAX_RESPONSE)
		return 0; /* curl then fails the transfer with CURLE_WRITE_ERROR */
	buf_append(b, data, size * n);
	return b->oom ? 0 : size * n;
}

void oauth_param(buf *b, const char *name, const char *value)
{
	if (b->len)
		buf_putc(b, '&');
	url_encode(b, name);
	buf_putc(b, '=');
	url_encode(b, value);
}

/* Appends line to *h. On failure curl_slist_append returns NULL and leaves the
 * list as it was: `h = curl_slist_append(h, ...)` would lose (leak) it, so *h is
 * kept for the caller to free. */
static bool append(struct curl_slist **h, const char *line)
{
	struct curl_slist *grown = curl_slist_append(*h, line);
	if (grown)
		*h = grown;
	return grown != NULL;
}

static struct curl_slist *headers(const struct oauth_call *c)
{
	/* GitHub's API refuses requests without a User-Agent. NULL when out of memory. */
	struct curl_slist *h = NULL;
	buf line = BUF_INIT;
	if (c->bearer)
		buf_printf(&line, "Authorization: Bearer %s", c->bearer);
	else if (c->basic)
		buf_printf(&line, "Authorization: Basic %s", c->basic);
	if (line.oom || !append(&h, "Accept: application/json") || !append(&h, "User-Agent: llmmeta/" LLMMETA_VERSION) ||
	    (line.len && !append(&h, line.data))) {
		curl_slist_free_all(h);
		h = NULL;
	}
	if (line.data)
		sodium_memzero(line.data, line.len);
	buf_free(&line);
	return h;
}

json_t *oauth_call_json(const struct oauth_call *c, bool want_array, char *err, size_t errlen)
{
	CURL *curl = curl_easy_init();
	if (!curl) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	buf body = BUF_INIT;
	struct curl_slist *h = headers(c);
	if (!h) { /* not a request without its credentials */
		curl_easy_cleanup(curl);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (c->form)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->form);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, OAUTH_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, OAUTH_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); /* an endpoint is where discovery says */
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	json_t *j = NULL;
	if (rc != CURLE_OK) {
		errf(err, errlen, "%s could not be reached: %s", c->what,
		     rc == CURLE_WRITE_ERROR ? "its answer is too large" : curl_easy_strerror(rc));
	} else if (status < 200 || status > 299) {
		/* An OAuth error answer names the error (invalid_grant, ...): worth showing. */
		j = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
		const char *code = json_string_value(json_object_get(j, "error"));
		if (code && strlen(code) <= 64)
			errf(err, errlen, "%s answered HTTP %ld (%s)", c->what, status, code);
		else
			errf(err, errlen, "%s answered HTTP %ld", c->what, status);
		json_decref(j);
		j = NULL;
	} else {
		j = json_loadb(body.data ? body.data : "", body.len, JSON_REJECT_DUPLICATES, NULL);
		if (!j || (want_array ? !json_is_array(j) : !json_is_object(j))) {
			errf(err, errlen, "%s answered something that is not the JSON expected", c->what);
			json_decref(j);
			j = NULL;
		}
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	if (body.data) /* it may hold an access token */
		sodium_memzero(body.data, body.len);
	buf_free(&body);
	return j;
}
