/* fuzz_multipart.c - the streaming multipart/form-data parser (src/http/multipart.c),
 * which reads uploads and their file names.
 *
 * The input's first byte chooses a split point, its first line (after that byte) is
 * the Content-Type header, the rest is the body. The body is fed whole, in two
 * pieces split there, and a byte at a time: the three must announce the same parts
 * (name, file name, type, bytes) and succeed or fail alike, with the same reason.
 * Every part has a non-empty UTF-8 name; every file name is valid UTF-8 without a
 * control character; a failure always has a reason. The header is also given to the
 * RFC 5987 ext-value decoder, whose ISO-8859-1 output must be valid UTF-8. */
#include "fuzz.h"

#include <stdbool.h>
#include <strings.h>

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/http/multipart.h"

static bool controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int on_begin(void *ctx, const char *name, const char *filename, const char *type, const char **why)
{
	(void)why;
	buf *log = ctx;
	FUZZ_CHECK(name && *name && utf8_valid(name, strlen(name)), "a part's name is empty or not UTF-8");
	if (filename)
		FUZZ_CHECK(utf8_valid(filename, strlen(filename)) && !controls(filename),
			   "file name not UTF-8 or with a control character");
	buf_printf(log, "[%zu:%s|%s|%s]", strlen(name), name, filename ? filename : "(field)", type ? type : "-");
	return 0;
}

static int on_data(void *ctx, const char *p, size_t n, const char **why)
{
	(void)why;
	buf_append(ctx, p, n);
	return 0;
}

static int on_end(void *ctx, const char **why)
{
	(void)why;
	buf_putc(ctx, '/');
	return 0;
}

static const struct multipart_cb cb = {on_begin, on_data, on_end};

/* Parses the body, the first cut bytes apart when cut is not 0, then in pieces of
 * at most piece bytes; the log, ending "OK" or "ERROR: reason". */
static void parse(buf *log, const char *ct, const char *body, size_t n, size_t cut, size_t piece)
{
	struct multipart m;
	int rc = multipart_init(&m, ct, &cb, log);
	size_t off = 0;
	if (rc == 0 && cut) {
		rc = multipart_feed(&m, body, cut);
		off = cut;
	}
	while (rc == 0 && off < n) {
		size_t k = n - off < piece ? n - off : piece;
		rc = multipart_feed(&m, body + off, k);
		off += k;
	}
	if (rc == 0)
		rc = multipart_finish(&m);
	if (rc == 0) {
		buf_puts(log, "OK");
	} else {
		FUZZ_CHECK(m.error[0], "a failure without a reason");
		buf_printf(log, "ERROR: %s", m.error);
	}
	multipart_free(&m);
	FUZZ_CHECK(!log->oom, "out of memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1, *end = (const char *)data + size;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	const char *body = nl ? nl + 1 : end;
	char *ct = fuzz_strndup((const uint8_t *)s, (size_t)((nl ? nl : end) - s));
	size_t n = (size_t)(end - body);
	size_t cut = n ? data[0] * n / 255 : 0;

	buf whole = BUF_INIT, split = BUF_INIT, bytes = BUF_INIT;
	parse(&whole, ct, body, n, 0, n ? n : 1);
	parse(&split, ct, body, n, cut, n ? n : 1);
	parse(&bytes, ct, body, n, 0, 1);
	FUZZ_CHECK(whole.len == split.len && memcmp(whole.data, split.data, whole.len) == 0,
		   "split at %zu: %s\nwhole: %s", cut, split.data, whole.data);
	FUZZ_CHECK(whole.len == bytes.len && memcmp(whole.data, bytes.data, whole.len) == 0,
		   "byte by byte: %s\nwhole: %s", bytes.data, whole.data);

	/* UTF-8 ext-values are decoded byte for byte (the parser checks the name after);
	 * ISO-8859-1 ones are converted, and must come out as UTF-8. */
	buf ext = BUF_INIT;
	if (multipart_ext_value(ct, &ext) == 0 && ext.len && strncasecmp(ct, "ISO-8859-1'", 11) == 0)
		FUZZ_CHECK(utf8_valid(ext.data, ext.len), "ISO-8859-1 ext-value not converted to UTF-8");
	buf_free(&ext);
	buf_free(&whole);
	buf_free(&split);
	buf_free(&bytes);
	free(ct);
	return 0;
}
