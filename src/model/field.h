/* field.h - copying a database text into a fixed-size field of a model struct (a
 * uuid, a role, a status), shared by the model files that read such rows. */
#ifndef LLMMETA_FIELD_H
#define LLMMETA_FIELD_H

#include <string.h>

/* Copies src into the n-byte field dst, cut to fit. */
static inline void copy_field(char *dst, size_t n, const char *src)
{
	size_t k = strnlen(src, n - 1);
	memcpy(dst, src, k);
	dst[k] = '\0';
}

#endif
