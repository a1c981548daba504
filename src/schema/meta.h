/* meta.h - the meta-schemas of draft-07 and 2020-12 compiled into the binary (from
 * src/schema/meta/, by tools/embed.c), so that no schema check needs the network. */
#ifndef LLMMETA_SCHEMA_META_H
#define LLMMETA_SCHEMA_META_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

extern const struct embedded_file schema_meta_files[];

#endif
