/* mailmsg.c - RFC 5322 messages with a text/plain UTF-8 body (see mailmsg.h). */
#include "mailmsg.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* RFC 5322 atext: what a dot-atom local part may hold besides dots. */
static bool atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Dot-separated non-empty runs of chars accepted by ok: no leading, trailing or
 * double dot. */
static bool dotted(const char *s, size_t n, bool (*ok)(unsigned char))
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !ok((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool mailmsg_addr_ok(const char *addr)
{
	size_t n = strlen(addr);
	const char *at = strrchr(addr, '@');
	if (!at || n > 254)
		return false;
	size_t local = (size_t)(at - addr);
	return local <= 64 && dotted(addr, local, atext) && dotted(at + 1, n - local - 1, domain_char);
}

/* True when s holds no control character (C0 or DEL). */
static bool no_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int mailmsg_mailbox(const char *mailbox, buf *name, buf *addr)
{
	size_t n = strlen(mailbox);
	if (!utf8_valid(mailbox, n) || !no_controls(mailbox, n))
		return -1;
	const char *s = mailbox, *e = mailbox + n;
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	const char *a = s, *ae = e, *ne = s;
	if (e > s && e[-1] == '>') {
		const char *lt = memrchr(s, '<', (size_t)(e - s));
		if (!lt)
			return -1;
		a = lt + 1;
		ae = e - 1;
		for (ne = lt; ne > s && ne[-1] == ' ';)
			ne--;
	}
	if (ne - s >= 2 && *s == '"' && ne[-1] == '"') { /* a quoted-string: unquote */
		for (const char *p = s + 1; p < ne - 1; p++) {
			if (*p == '\\' && p + 1 < ne - 1)
				p++;
			buf_putc(name, *p);
		}
	} else {
		buf_append(name, s, (size_t)(ne - s));
	}
	buf_append(addr, a, (size_t)(ae - a));
	if (name->oom || addr->oom || !addr->data || !mailmsg_addr_ok(addr->data))
		return -1;
	if (!name->data)
		buf_puts(name, "");
	return name->oom ? -1 : 0;
}

static bool ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* s as RFC 2047 "B" encoded words, each of at most 39 bytes of whole UTF-8
 * characters (52 base64 characters, 64 with the markers: a line of "Subject: " and
 * one word stays under 78), folded onto continuation lines. */
static void encoded_words(buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_cut(s + i, n - i, 39); /* s is valid UTF-8: k > 0 */
		char out[64];
		sodium_bin2base64(out, sizeof out, (const unsigned char *)s + i, k, sodium_base64_VARIANT_ORIGINAL);
		buf_printf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", out);
		i += k;
	}
}

/* A display name longer than this goes as encoded words, folded, so that the From
 * line stays within 998 bytes (quoting may double it; the address adds 256). */
#define NAME_QUOTED_MAX 200

static bool name_quoted(const char *name) { return ascii_printable(name) && strlen(name) <= NAME_QUOTED_MAX; }

/* The display name as a quoted-string, or encoded words when it is not ASCII or
 * long. */
static void display_name(buf *b, const char *name)
{
	if (!name_quoted(name)) {
		encoded_words(b, name);
		return;
	}
	buf_putc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

/* "Thu, 26 Nov 2026 08:42:02 +0000", in English whatever the locale. */
static void rfc5322_date(buf *b, int64_t ms)
{
	static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* True when every line of the body can go as it is (7bit): printable ASCII or
 * tabs, at most 998 bytes. */
static bool body_7bit(const char *s)
{
	size_t col = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || (c == '\r' && s[1] == '\n')) {
			col = 0;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c > 0x7e || ++col > 998)
			return false;
	}
	return true;
}

/* One line (without its end) in quoted-printable (RFC 2045 6.7): at most 76
 * characters a line, soft breaks "=" where longer, white space at the end encoded. */
static void qp_line(buf *b, const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && i + 1 < n);
		size_t w = plain ? 1 : 3;
		if (col + w > 75) {
			buf_puts(b, "=\r\n");
			col = 0;
		}
		if (plain)
			buf_putc(b, (char)c);
		else
			buf_printf(b, "=%02X", c);
		col += w;
	}
	buf_puts(b, "\r\n");
}

static void write_body(buf *b, const char *body, bool qp)
{
	for (const char *p = body; *p;) {
		size_t n = strcspn(p, "\n");
		size_t len = n && p[n - 1] == '\r' && p[n] == '\n' ? n - 1 : n;
		if (qp) {
			qp_line(b, p, len);
		} else {
			buf_append(b, p, len);
			buf_puts(b, "\r\n");
		}
		p += n + (p[n] == '\n');
	}
}

int mailmsg_format(buf *out, const struct mailmsg *m)
{
	buf name = BUF_INIT, from = BUF_INIT;
	size_t slen = strlen(m->subject);
	bool ok = mailmsg_mailbox(m->from, &name, &from) == 0 && mailmsg_addr_ok(m->to) &&
		  utf8_valid(m->subject, slen) && no_controls(m->subject, slen) && utf8_valid(m->body, strlen(m->body));
	if (ok) {
		char id[48];
		rand_token(id, sizeof id, 18);
		buf_puts(out, "Date: ");
		rfc5322_date(out, m->date_ms);
		buf_puts(out, "\r\nFrom: ");
		if (name.len) {
			display_name(out, name.data);
			/* after encoded words, the address on a line of its own keeps lines short */
			buf_puts(out, name_quoted(name.data) ? " " : "\r\n ");
		}
		buf_printf(out, "<%s>\r\nTo: <%s>\r\nSubject: ", from.data, m->to);
		if (ascii_printable(m->subject) && slen <= 900)
			buf_puts(out, m->subject);
		else
			encoded_words(out, m->subject);
		bool seven = body_7bit(m->body);
		buf_printf(out,
			   "\r\nMessage-ID: <%s@%s>\r\n"
			   "MIME-Version: 1.0\r\n"
			   "Content-Type: text/plain; charset=UTF-8\r\n"
			   "Content-Transfer-Encoding: %s\r\n"
			   "Auto-Submitted: auto-generated\r\n"
			   "\r\n",
			   id, strrchr(from.data, '@') + 1, seven ? "7bit" : "quoted-printable");
		write_body(out, m->body, !seven);
	}
	buf_free(&name);
	buf_free(&from);
	if (!ok || out->oom) {
		buf_free(out);
		return -1;
	}
	return 0;
}
