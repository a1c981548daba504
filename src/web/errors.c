/* errors.c - the error pages: what went wrong, in words, and where to go next. */
#include <stdio.h>

#include "../html/html.h"
#include "../html/layout.h"
#include "web.h"

static const char *title_of(int status)
{
	switch (status) {
	case 400: return "Bad request";
	case 403: return "Forbidden";
	case 404: return "Page not found";
	case 405: return "Method not allowed";
	case 413: return "Request too large";
	case 429: return "Too many requests";
	case 503: return "Unavailable";
	default: return "Server error";
	}
}

static const char *default_detail(int status)
{
	switch (status) {
	case 404: return "There is nothing at this address, or it is not yours to see.";
	case 405: return "This page does not accept that kind of request.";
	case 429: return "Too many attempts in a short time. Wait a few minutes and try again.";
	case 500: return "Something went wrong on our side. It has been logged.";
	default: return "The request could not be handled.";
	}
}

void app_error_page(http_req *r, int status, const char *detail)
{
	buf b = BUF_INIT;
	char title[64];
	snprintf(title, sizeof title, "%d %s", status, title_of(status));
	page_begin(&b, r, title, NULL);
	html_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/\">Home</a></p>\n", title,
		    detail ? detail : default_detail(status));
	page_end(&b);
	page_send(r, status, &b);
}
