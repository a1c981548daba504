/* mailmsg.h - Internet mail messages (RFC 5322) with one MIME text/plain UTF-8 part,
 * built so that nothing a user typed can add a header: every header value is
 * checked (no control character, addresses of a plain shape) and non-ASCII text is
 * written as RFC 2047 encoded words, which cannot hold a line break. Pure string
 * work, so that the configuration can check SMTP_FROM with the same code that
 * writes it (src/mail/ sends the result). */
#ifndef LLMMETA_MAILMSG_H
#define LLMMETA_MAILMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

struct mailmsg {
	const char *from;    /* a mailbox: "Name <addr>", "\"Name\" <addr>" or "addr" */
	const char *to;      /* an address */
	const char *subject; /* UTF-8, one line */
	const char *body;    /* UTF-8 text; lines end in \n or \r\n */
	int64_t date_ms;     /* the Date header */
};

/* True for an address this program will send to: ASCII local@domain, the local part
 * of RFC 5322 atext and dots (no quoted forms), the domain of letters, digits,
 * hyphens and dots, at most 64 + 1 + 253 characters in all 254. */
bool mailmsg_addr_ok(const char *addr);
/* Splits a mailbox into its display name (empty when there is none; quotes and
 * backslash escapes removed) and its address. 0, or -1 when it is not one: no valid
 * address, a control character, or invalid UTF-8. */
int mailmsg_mailbox(const char *mailbox, buf *name, buf *addr);
/* Writes the whole message into out with CRLF line ends: Date, From, To, Subject,
 * Message-ID (random, at the From address's domain), MIME-Version, Content-Type
 * text/plain; charset=UTF-8, Content-Transfer-Encoding (7bit when every body line is
 * ASCII and at most 998 bytes, else quoted-printable), Auto-Submitted, then the
 * body. Returns 0, or -1 (out holds nothing usable) when a value is unsafe (see
 * above; a subject with a line break is refused, not cleaned) or out of memory. */
int mailmsg_format(buf *out, const struct mailmsg *m);

#endif
