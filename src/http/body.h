/* body.h - reading a request's body as it arrives (body.c), internal to http/:
 * urlencoded and other bodies kept whole, multipart parsed as it streams, within
 * the request's limit, each file's kept bytes capped, and all bodies together held
 * within one budget. */
#ifndef LLMMETA_BODY_H
#define LLMMETA_BODY_H

#include "http.h"

/* Called with the headers: picks how to read; sets r->bad_why when the body cannot
 * be read at all (a multipart form without a boundary). */
void body_begin(http_req *r, size_t file_keep, size_t budget);
/* True when `declared` more bytes would not fit in the budget. */
bool body_over_budget(size_t declared);
/* A piece of the body. */
void body_feed(http_req *r, const char *data, size_t n);
/* The body is complete: decodes an urlencoded form and checks every field. Returns
 * 0, or the status (400, 503) to answer with r->bad_why. */
int body_finish(http_req *r);
/* Gives back what the request held of the budget; frees the parser. */
void body_free(http_req *r);

#endif
