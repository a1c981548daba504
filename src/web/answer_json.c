/* answer_json.c - the JSON documents in an answer (see answer_json.h). */
#include "answer_json.h"

#include <jansson.h>
#include <string.h>

#include "../html/markdown.h"

/* What answer.js's isJson accepts: an object or an array, white space around. */
static bool is_json(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] && strchr(" \t\r\n\f\v", s[i]))
		i++;
	if (i >= n || (s[i] != '{' && s[i] != '['))
		return false;
	json_error_t err;
	json_t *v = json_loadb(s, n, 0, &err);
	json_decref(v);
	return v != NULL;
}

struct find {
	int want, count;
	buf *out;
};

static int on_block(const char *code, size_t n, void *arg)
{
	struct find *f = arg;
	if (!is_json(code, n))
		return 0;
	if (f->count++ == f->want) {
		buf_append(f->out, code, n);
		return 1;
	}
	return f->count >= ANSWER_JSON_MAX;
}

int answer_json(const char *content, int k, buf *out)
{
	struct find f = {.want = k, .out = out};
	size_t len = strlen(content);
	if (markdown_code_blocks(content, len, on_block, &f) < 0)
		return -1;
	if (f.count == 0 && is_json(content, len)) {
		f.count = 1;
		if (k == 0)
			buf_append(out, content, len);
	}
	if (out && out->oom)
		return -1;
	return k < 0 ? f.count : f.count > k;
}
