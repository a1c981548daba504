/* scrub.c - the provider's key out of what it sends (see llm.h): some providers
 * quote it back, in an error message, an echoed model name or the answer itself.
 * Whole texts are scrubbed at once; streamed text piece by piece, holding back the
 * tail of a piece that could begin the key (at most the key's length less one byte)
 * so that a key cut between two pieces is caught too. Keys shorter than 4 bytes are
 * not looked for: they would match ordinary text. */
#include <string.h>

#include "llm.h"

#define MIN_KEY 4

void llm_scrub_append(buf *out, const char *s, size_t len, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	for (const char *hit; klen >= MIN_KEY && (hit = memmem(s, len, key, klen));) {
		buf_append(out, s, (size_t)(hit - s));
		buf_puts(out, "[key]");
		len -= (size_t)(hit - s) + klen;
		s = hit + klen;
	}
	buf_append(out, s, len);
}

void llm_scrub_key(buf *s, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	if (klen < MIN_KEY || !s->data || !memmem(s->data, s->len, key, klen))
		return;
	buf clean = BUF_INIT;
	llm_scrub_append(&clean, s->data, s->len, key);
	buf_free(s);
	*s = clean; /* out of memory: empty and marked so, never the key */
}

void llm_scrubber_init(struct llm_scrubber *s, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	*s = (struct llm_scrubber){.key = klen >= MIN_KEY ? key : NULL, .klen = klen >= MIN_KEY ? klen : 0};
}

/* The length of the longest tail of t[0..n) that is a proper prefix of the key. */
static size_t key_start_at_end(const struct llm_scrubber *s, const char *t, size_t n)
{
	for (size_t k = s->klen - 1 < n ? s->klen - 1 : n; k > 0; k--)
		if (memcmp(t + n - k, s->key, k) == 0)
			return k;
	return 0;
}

void llm_scrub_feed(struct llm_scrubber *s, buf *out, const char *text, size_t len)
{
	if (!s->key) {
		buf_append(out, text, len);
		return;
	}
	buf all = BUF_INIT;
	const char *t = text;
	size_t n = len;
	if (s->held.len) {
		buf_append(&all, s->held.data, s->held.len);
		buf_append(&all, text, len);
		buf_reset(&s->held);
		if (all.oom) {
			/* Never the key: what cannot be checked is not let through. */
			buf_free(&all);
			out->oom = true;
			return;
		}
		t = all.data;
		n = all.len;
	}
	/* Whole keys first; then the rest's tail that could begin one waits. */
	const char *end = t + n, *rest = t;
	for (const char *hit; (hit = memmem(rest, (size_t)(end - rest), s->key, s->klen));) {
		buf_append(out, rest, (size_t)(hit - rest));
		buf_puts(out, "[key]");
		rest = hit + s->klen;
	}
	size_t left = (size_t)(end - rest), hold = key_start_at_end(s, rest, left);
	buf_append(out, rest, left - hold);
	buf_append(&s->held, rest + left - hold, hold);
	if (s->held.oom)
		out->oom = true;
	buf_free(&all);
}

void llm_scrub_flush(struct llm_scrubber *s, buf *out)
{
	if (s->held.len)
		buf_append(out, s->held.data, s->held.len);
	buf_reset(&s->held);
}

void llm_scrubber_free(struct llm_scrubber *s) { buf_free(&s->held); }
