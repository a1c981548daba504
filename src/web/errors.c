/* errors.c - the error pages, in the caller's language: what went wrong in words
 * and where to go next for a browser; the OpenAI error shape
 * {"error":{"message","type","param","code"}} for the API (/v1/...) and for clients
 * that ask for JSON (docs/decisions.md, "Errors"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "../html/html.h"
#include "page.h"
#include "context.h"
#include "errors.h"

struct kind {
	int status;
	const char *title, *type, *code, *detail;
};

static const struct kind kinds[] = {
	{400, "Bad request", "invalid_request_error", "bad_request", "The request could not be handled."},
	{401, "Unauthorized", "authentication_error", "unauthorized", "Log in (or send a valid API key) first."},
	{403, "Forbidden", "permission_error", "forbidden", "You may not do this."},
	{404, "Page not found", "invalid_request_error", "not_found",
	 "There is nothing at this address, or it is not yours to see."},
	{405, "Method not allowed", "invalid_request_error", "method_not_allowed",
	 "This page does not accept that kind of request."},
	{413, "Request too large", "invalid_request_error", "request_too_large", "The request is too large."},
	{429, "Too many requests", "rate_limit_error", "rate_limited",
	 "Too many attempts in a short time. Wait a few minutes and try again."},
	{503, "Unavailable", "server_error", "unavailable", "The service is unavailable. Try again in a moment."},
	{500, "Server error", "server_error", "server_error", "Something went wrong on our side. It has been logged."},
};

static const struct kind *kind_of(int status)
{
	size_t n = sizeof kinds / sizeof kinds[0];
	for (size_t i = 0; i < n - 1; i++)
		if (kinds[i].status == status)
			return &kinds[i];
	return &kinds[n - 1]; /* anything else reads as a server error */
}

bool wants_json(http_req *r)
{
	if (r->path && strncmp(r->path, "/v1/", 4) == 0)
		return true;
	const char *accept = http_header(r, "Accept");
	return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

char *error_api_text(const char *type, const char *code, const char *param, const char *message)
{
	buf clean = BUF_INIT;
	if (!utf8_valid(message, strlen(message))) {
		utf8_clean(&clean, message, strlen(message));
		message = clean.data ? clean.data : "";
	}
	json_t *j = json_pack("{s:{s:s, s:s, s:o, s:o}}", "error", "message", message, "type", type, "param",
			      param ? json_string(param) : json_null(), "code", code ? json_string(code) : json_null());
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	buf_free(&clean);
	return text;
}

void error_api(http_req *r, int status, const char *type, const char *code, const char *param, const char *message)
{
	const struct kind *k = kind_of(status);
	char *text = error_api_text(type ? type : k->type, code, param, message ? message : k->detail);
	http_send_text(r, status, "application/json", text ? text : "{\"error\":{\"message\":\"out of memory\"}}");
	free(text);
}

void error_page(http_req *r, int status, const char *detail)
{
	const struct kind *k = kind_of(status);
	const char *message = detail ? detail : k->detail;
	if (wants_json(r)) {
		error_api(r, status, k->type, k->code, NULL, message);
		return;
	}
	/* Errors found before the page ran (413, 404, 405) show the visitor's own header. */
	web_session(r);
	buf b = BUF_INIT;
	char title[64];
	snprintf(title, sizeof title, "%d %s", status, k->title);
	page_begin(&b, r, title, NULL);
	html_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/\">Home</a></p>\n", title, message);
	page_end(&b);
	page_send(r, status, &b);
}
