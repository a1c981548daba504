/* regex.c - "pattern", "patternProperties" and the "regex" format: ECMA-262
 * regular expressions run by PCRE2, which reads nearly the same syntax (POSIX regex
 * does not: no \d, no lazy quantifiers, no lookahead). Unanchored search, as
 * ECMA-262's RegExp.test, with a match limit so that catastrophic backtracking
 * ends in an error instead of hanging. */
#include <string.h>

#include "schema_impl.h"

pcre2_code *regex_compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	if (!cctx) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* \uXXXX and \u{X...} as ECMA-262 writes them; $ only at the very end. */
	pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, &code, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(err, errlen, "invalid regular expression \"%.60s\" at offset %zu: %s", pattern, (size_t)off, (char *)msg);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* faster when available; the interpreter otherwise */
	return re;
}

int regex_search(const pcre2_code *re, const char *s, size_t len, pcre2_match_context *mctx)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	if (!md)
		return -1;
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK, md, mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
