/* mail.h - outgoing mail (docs/accounts.md): SMTP through libcurl, and an outbox
 * thread that sends in the background, so that no request waits on a mail server
 * (and a request that mails takes no longer than one that does not). Messages are
 * built by core/mailmsg.h. Uses only core. */
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

/* Formats a message from SMTP_FROM to `to` and queues it for the outbox thread
 * (started on first use). 0 queued; -1 when SMTP_URL is not set, the message cannot
 * be made (mailmsg_format refused it), the queue is full (MAIL_QUEUE_MAX) or memory
 * is short; the reason is logged. */
#define MAIL_QUEUE_MAX 256
int mail_send(const char *to, const char *subject, const char *body);
/* Sends what is queued (for at most MAIL_STOP_MS), drops the rest with a log line,
 * and stops the thread. More than once is fine. */
#define MAIL_STOP_MS 10000
void mail_stop(void);

#endif
