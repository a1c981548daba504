/* errors.h - the error pages (errors.c): HTML for a browser, the OpenAI error shape
 * for the API and for clients that ask for JSON. The pipeline registers error_page
 * with http/, so that http_error(r, status, detail) renders through it. */
#ifndef LLMMETA_WEB_ERRORS_H
#define LLMMETA_WEB_ERRORS_H

#include <stdbool.h>

#include "../http/http.h"

/* Renders the error pages (400, 401, 403, 404, 405, 413, 429, 500, 503): HTML, or
 * JSON in the OpenAI error shape when wants_json. */
void error_page(http_req *r, int status, const char *detail);
/* An error in the OpenAI shape {"error":{"message","type","param","code"}}; type
 * and message NULL take the status's defaults, param and code NULL are null. */
void error_api(http_req *r, int status, const char *type, const char *code, const char *param, const char *message);
/* The same error as compact JSON text, for a stream's error event (type and message
 * must be given); malloc'd, NULL when out of memory. Text that is not UTF-8 (a
 * provider's, cut by bytes) is cleaned, or the error would be lost to it. */
char *error_api_text(const char *type, const char *code, const char *param, const char *message);
/* True for the API (/v1/...) and for clients whose Accept names JSON and not HTML. */
bool wants_json(http_req *r);

#endif
