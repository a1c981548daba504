/* regex.c - "pattern", "patternProperties" and the "regex" format: ECMA-262
 * regular expressions run by PCRE2, which reads nearly the same syntax (POSIX regex
 * does not: no \d, no lazy quantifiers, no lookahead). Unanchored search, as
 * ECMA-262's RegExp.test, with a match limit so that catastrophic backtracking
 * ends in an error instead of hanging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

/* ECMA-262 names Unicode properties by their long names too (\p{Letter}); PCRE2
 * 10.42 knows only the short ones (\p{L}). Returns a malloc'd copy with the long
 * general-category names replaced. */
static char *ecma_properties(const char *pattern)
{
	static const char *const names[][2] = {
		{"Letter", "L"},          {"Cased_Letter", "LC"},      {"Uppercase_Letter", "Lu"}, {"Lowercase_Letter", "Ll"},
		{"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"}, {"Other_Letter", "Lo"},     {"Mark", "M"},
		{"Number", "N"},          {"Decimal_Number", "Nd"},    {"digit", "Nd"},            {"Letter_Number", "Nl"},
		{"Other_Number", "No"},   {"Punctuation", "P"},        {"punct", "P"},             {"Symbol", "S"},
		{"Separator", "Z"},       {"Space_Separator", "Zs"},   {"Other", "C"},             {"Control", "Cc"},
	};
	size_t n = strlen(pattern);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (pattern[i] == '\\' && i + 1 < n && (pattern[i + 1] == 'p' || pattern[i + 1] == 'P') && i + 2 < n &&
		    pattern[i + 2] == '{') {
			const char *name = pattern + i + 3, *close = strchr(name, '}');
			size_t len = close ? (size_t)(close - name) : 0;
			for (size_t k = 0; close && k < sizeof names / sizeof names[0]; k++)
				if (strlen(names[k][0]) == len && strncmp(name, names[k][0], len) == 0) {
					o += (size_t)sprintf(out + o, "\\%c{%s}", pattern[i + 1], names[k][1]);
					i = (size_t)(close - pattern);
					goto next;
				}
		}
		out[o++] = pattern[i];
		if (pattern[i] == '\\' && i + 1 < n)
			out[o++] = pattern[++i];
	next:;
	}
	out[o] = 0;
	return out;
}

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
	char *ecma = ecma_properties(pattern);
	if (!ecma) {
		pcre2_compile_context_free(cctx);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)ecma, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, &code, &off, cctx);
	free(ecma);
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
