/* mail.h - outgoing mail (docs/accounts.md): SMTP through libcurl. Sending waits
 * for the server, so it is done on a background thread (core/workq.h), never by a
 * request. Messages are built by core/mailmsg.h. Uses only core. */
#ifndef LLMMETA_MAIL_H
#define LLMMETA_MAIL_H

#include <stdbool.h>
#include <stddef.h>

/* Where mail goes: SMTP_URL (smtp:// or smtps://, user:password inside, ?starttls
 * to require STARTTLS on smtp://) and SMTP_CA_FILE (NULL: the system's CAs). */
struct mail_server {
	const char *url;
	const char *ca_file;
};

/* Sends one message (mailmsg_format's output) from from_addr to to_addr, waiting
 * for the server (at most MAIL_TIMEOUT_S). 0, or -1 with a reason in err that never
 * holds the URL's password. */
#define MAIL_TIMEOUT_S 30
int mail_smtp_send(const struct mail_server *s, const char *from_addr, const char *to_addr, const char *msg,
		   size_t len, char *err, size_t errlen);

/* Formats a message from SMTP_FROM to `to` (core/mailmsg.h) and sends it through
 * SMTP_URL, waiting for the server: call it from a background thread (core/workq.h),
 * never from a request. 0, or -1 with the reason in err (no SMTP_URL, a message
 * mailmsg_format refuses, or the server's). */
int mail_send(const char *to, const char *subject, const char *body, char *err, size_t errlen);

#endif
