/* fuzz_mailmsg.c - mailmsg_format (src/core/mailmsg.c), the mail a password reset
 * sends, on any from, to, subject and body: the input is cut at its first three
 * NULs into those four strings (missing ones are empty).
 *
 * Checks, beyond memory safety: a formatted message has no CR or LF other than in
 * CRLF pairs; its header block is exactly Date, From, To, Subject, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding, Auto-Submitted, in that
 * order, each possibly folded onto lines that start with a space, so nothing in
 * the input added or ended a header; no line is longer than 998 bytes (a header is
 * at most 78 unless an address or a plain-ASCII subject makes it longer). A subject
 * holding a control character is always refused. */
#include "fuzz.h"

#include <sodium.h>

#include "../../src/core/mailmsg.h"

static const char *next_part(const char **p, const char *end)
{
	const char *s = *p;
	const char *z = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
	*p = z ? z + 1 : end;
	return s < end ? s : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = sodium_init() >= 0 ? 1 : (abort(), 0);
	char *in = fuzz_strndup(data, size);
	const char *p = in, *end = in + size;
	struct mailmsg m = {.from = next_part(&p, end), .to = next_part(&p, end), .subject = next_part(&p, end),
			    .body = next_part(&p, end), .date_ms = 1795682522000};
	bool control = false;
	for (const char *s = m.subject; *s; s++)
		control |= (unsigned char)*s < 0x20 || *s == 0x7f;
	buf b = BUF_INIT;
	int rc = mailmsg_format(&b, &m);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(!control, "a subject with a control character was accepted");
		static const char *const names[] = {"Date:", "From:", "To:", "Subject:", "Message-ID:", "MIME-Version:",
						    "Content-Type:", "Content-Transfer-Encoding:", "Auto-Submitted:"};
		const char *msg = b.data, *body = strstr(msg, "\r\n\r\n");
		FUZZ_CHECK(body != NULL, "no blank line after the headers");
		size_t h = 0;
		for (const char *line = msg; line <= body;) {
			const char *e = strstr(line, "\r\n");
			if (line[0] == ' ') {
				FUZZ_CHECK(h > 0, "a continuation line first");
			} else {
				FUZZ_CHECK(h < 9, "a tenth header: %.40s", line);
				FUZZ_CHECK(strncmp(line, names[h], strlen(names[h])) == 0, "header %zu is not %s: %.40s", h,
					   names[h], line);
				h++;
			}
			line = e + 2;
		}
		FUZZ_CHECK(h == 9, "%zu headers", h);
		size_t col = 0;
		for (const char *s = msg; *s; s++) {
			if (*s == '\r') {
				FUZZ_CHECK(s[1] == '\n', "a bare CR at %zu", (size_t)(s - msg));
				s++;
				col = 0;
				continue;
			}
			FUZZ_CHECK(*s != '\n', "a bare LF at %zu", (size_t)(s - msg));
			FUZZ_CHECK(++col <= 998, "a line longer than 998 at %zu", (size_t)(s - msg));
		}
	}
	buf_free(&b);
	free(in);
	return 0;
}
