/* regex.c - "pattern", "patternProperties" and the "regex" format: ECMA-262
 * regular expressions run by PCRE2, which reads nearly the same syntax (POSIX regex
 * does not: no \d, no lazy quantifiers, no lookahead). Unanchored search, as
 * ECMA-262's RegExp.test, with a match limit so that catastrophic backtracking
 * ends in an error instead of hanging. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

/* ECMA-262's white space and line terminators, which its \s matches (PCRE2's \s,
 * without Unicode mode for \d and \w, is ASCII only). */
#define ECMA_SPACE "\\s\\u00a0\\ufeff\\p{Zs}\\u2028\\u2029" /* \uHHHH as PCRE2_ALT_BSUX reads it */

/* Rewrites an ECMA-262 pattern into PCRE2's syntax where the two differ: long
 * Unicode property names (\p{Letter}: PCRE2 10.42 knows only \p{L}), \s and \S
 * with Unicode spaces, the empty classes [] (matches nothing) and [^] (anything).
 * Refuses what PCRE2 would accept but ECMA-262 has not: (?P...) and (?#...) groups,
 * inline flags, \a. Returns a malloc'd pattern, or NULL with err set ("" when out
 * of memory). */
static char *ecma_to_pcre2(const char *pattern, char *err, size_t errlen)
{
	static const char *const names[][2] = {
		{"Letter", "L"},          {"Cased_Letter", "LC"},      {"Uppercase_Letter", "Lu"}, {"Lowercase_Letter", "Ll"},
		{"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"}, {"Other_Letter", "Lo"},     {"Mark", "M"},
		{"Number", "N"},          {"Decimal_Number", "Nd"},    {"digit", "Nd"},            {"Letter_Number", "Nl"},
		{"Other_Number", "No"},   {"Punctuation", "P"},        {"punct", "P"},             {"Symbol", "S"},
		{"Separator", "Z"},       {"Space_Separator", "Zs"},   {"Other", "C"},             {"Control", "Cc"},
	};
	size_t n = strlen(pattern);
	char *out = malloc(n * (sizeof ECMA_SPACE + 4) + 1);
	if (!out) {
		snprintf(err, errlen, "%s", "");
		return NULL;
	}
	size_t o = 0;
	bool in_class = false;
	for (size_t i = 0; i < n; i++) {
		char c = pattern[i];
		if (c == '\\' && i + 1 < n) {
			char e = pattern[i + 1];
			if ((e == 'p' || e == 'P') && i + 2 < n && pattern[i + 2] == '{') {
				const char *name = pattern + i + 3, *close = strchr(name, '}');
				size_t len = close ? (size_t)(close - name) : 0;
				for (size_t k = 0; close && k < sizeof names / sizeof names[0]; k++)
					if (strlen(names[k][0]) == len && strncmp(name, names[k][0], len) == 0) {
						o += (size_t)sprintf(out + o, "\\%c{%s}", e, names[k][1]);
						i = (size_t)(close - pattern);
						goto next;
					}
			} else if (e == 's' && in_class) {
				o += (size_t)sprintf(out + o, "%s", ECMA_SPACE);
				i++;
				continue;
			} else if (e == 's' || (e == 'S' && !in_class)) {
				o += (size_t)sprintf(out + o, "[%s%s]", e == 'S' ? "^" : "", ECMA_SPACE);
				i++;
				continue;
			} else if (e == 'a') {
				snprintf(err, errlen, "\\a is not an ECMA-262 escape");
				free(out);
				return NULL;
			}
			out[o++] = c;
			out[o++] = pattern[++i];
			continue;
		}
		if (!in_class && c == '[') {
			if (strncmp(pattern + i, "[]", 2) == 0) {
				o += (size_t)sprintf(out + o, "(?!)");
				i += 1;
				continue;
			}
			if (strncmp(pattern + i, "[^]", 3) == 0) {
				o += (size_t)sprintf(out + o, "[\\s\\S]");
				i += 2;
				continue;
			}
			in_class = true;
			out[o++] = c;
			if (pattern[i + 1] == '^')
				out[o++] = pattern[++i];
			continue;
		}
		if (in_class && c == ']')
			in_class = false;
		if (!in_class && c == '(' && pattern[i + 1] == '?') {
			char g = pattern[i + 2];
			/* ECMA-262 groups: (?: (?= (?! (?<= (?<! (?<name> */
			if (!(g == ':' || g == '=' || g == '!' || g == '<')) {
				snprintf(err, errlen, "\"(?%c\" is not ECMA-262 syntax", g ? g : ' ');
				free(out);
				return NULL;
			}
		}
		out[o++] = c;
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
	/* \uHHHH and \u{H...} as ECMA-262 writes them; $ only at the very end. */
	pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
	char why[80] = "";
	char *ecma = ecma_to_pcre2(pattern, why, sizeof why);
	if (!ecma) {
		pcre2_compile_context_free(cctx);
		if (*why)
			snprintf(err, errlen, "invalid regular expression \"%.60s\": %s", pattern, why);
		else
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
