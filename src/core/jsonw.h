/* jsonw.h - writing JSON text into a buf, for the writers that do not build a
 * jansson tree first (the export's JSONL rows, the JSON viewer's pretty printer):
 * strings escaped as RFC 8259 requires, and reals in the shortest form that reads
 * back as the same double (jansson's own writer prints 0.1 as 0.10000000000000001). */
#ifndef LLMMETA_JSONW_H
#define LLMMETA_JSONW_H

#include <stddef.h>

#include "buf.h"

/* "s" with quotes, backslashes and control characters escaped; other bytes (UTF-8)
 * as they are. */
void jsonw_string(buf *b, const char *s, size_t n);
/* The shortest decimal that reads back as v, always with a '.' or an exponent so
 * that it stays a real (1.0, not 1). v must be finite. */
void jsonw_real(buf *b, double v);

#endif
