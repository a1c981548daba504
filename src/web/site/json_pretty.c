/* json_pretty.c - indenting valid JSON text as it is read (see json_pretty.h). */
#include "json_pretty.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/jsonw.h"

static const char spaces[] = "                                                                ";

static void newline(buf *b, int depth)
{
	buf_putc(b, '\n');
	for (size_t n = (size_t)depth * 4; n;) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		buf_append(b, spaces, k);
		n -= k;
	}
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* A scalar token (a number, or a string with escapes) as jansson reads and writes it. */
static void scalar(buf *b, const char *tok, size_t n)
{
	json_t *v = json_loadb(tok, n, JSON_DECODE_ANY, NULL);
	if (!v) {
		b->oom = true; /* valid text: only memory can fail here */
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING: jsonw_string(b, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: jsonw_real(b, json_real_value(v)); break;
	default: buf_append(b, tok, n); break;
	}
	json_decref(v);
}

/* A number as jansson writes what it read: an integer in decimal, a real through
 * jsonw_real (as write_json does); jansson reads both with the C library, in the
 * "C" locale this program keeps. Valid text: an integer token fits json_int_t. */
static void number(buf *b, const char *tok, size_t n)
{
	char text[64];
	if (n >= sizeof text) {
		scalar(b, tok, n); /* a long real: jansson itself */
		return;
	}
	memcpy(text, tok, n);
	text[n] = '\0';
	if (strpbrk(text, ".eE"))
		jsonw_real(b, strtod(text, NULL));
	else
		buf_printf(b, "%lld", strtoll(text, NULL, 10));
}

bool json_pretty_step(struct json_pretty *p, buf *b, size_t want)
{
	const char *s = p->s;
	while (b->len < want && !b->oom) {
		size_t i = p->pos = skip_space(s, p->len, p->pos);
		if (i >= p->len)
			return false;
		char c = s[i];
		if (c == '{' || c == '[') {
			size_t j = skip_space(s, p->len, i + 1);
			if (j < p->len && s[j] == (c == '{' ? '}' : ']')) {
				buf_append(b, c == '{' ? "{}" : "[]", 2);
				p->pos = j + 1;
			} else {
				buf_putc(b, c);
				newline(b, ++p->depth);
				p->pos = i + 1;
			}
		} else if (c == '}' || c == ']') {
			newline(b, --p->depth);
			buf_putc(b, c);
			p->pos = i + 1;
		} else if (c == ',') {
			buf_putc(b, ',');
			newline(b, p->depth);
			p->pos = i + 1;
		} else if (c == ':') {
			buf_append(b, ": ", 2);
			p->pos = i + 1;
		} else if (c == '"') {
			size_t j = i + 1;
			bool escaped = false;
			while (j < p->len && s[j] != '"') {
				if (s[j] == '\\') {
					escaped = true;
					j++;
				}
				j++;
			}
			if (escaped)
				scalar(b, s + i, j + 1 - i);
			else
				jsonw_string(b, s + i + 1, j - i - 1);
			p->pos = j + 1;
		} else {
			size_t j = i;
			while (j < p->len && !strchr(",]}: \t\r\n", s[j]))
				j++;
			if (c == 't' || c == 'f' || c == 'n')
				buf_append(b, s + i, j - i); /* true, false, null */
			else
				number(b, s + i, j - i);
			p->pos = j;
		}
	}
	return skip_space(s, p->len, p->pos) < p->len;
}

size_t json_pretty_length(const char *s, size_t len, size_t cap)
{
	struct json_pretty p = {.s = s, .len = len};
	buf piece = BUF_INIT;
	size_t total = 0;
	bool more = true;
	while (more && total <= cap) {
		more = json_pretty_step(&p, &piece, 64 * 1024);
		if (piece.oom) {
			total = (size_t)-1;
			break;
		}
		total += piece.len;
		buf_reset(&piece);
	}
	buf_free(&piece);
	return total > cap ? (size_t)-1 : total;
}
