/* log.c - timestamped log lines on stderr. One fprintf per line, so lines written by
 * different threads never interleave (stdio locks the stream per call). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "util.h"

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char ts[32], msg[2048];
	fmt_iso8601(ts, now_ms());
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* One event, one line: control characters (a decoded %0a in a path, an escape
	 * sequence) are written as \xNN so nobody can forge or hide log lines. */
	char safe[sizeof msg * 4];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p && o < sizeof safe - 5; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			o += (size_t)snprintf(safe + o, sizeof safe - o, "\\x%02x", *p);
		else
			safe[o++] = (char)*p;
	}
	safe[o] = '\0';
	fprintf(stderr, "%s %s %s\n", ts, level, safe);
}

#define DEFINE_LOG(name, level, cond)            \
	void name(const char *fmt, ...)          \
	{                                        \
		if (!(cond))                     \
			return;                  \
		va_list ap;                      \
		va_start(ap, fmt);               \
		vlog(level, fmt, ap);            \
		va_end(ap);                      \
	}

DEFINE_LOG(log_info, "info", 1)
DEFINE_LOG(log_warn, "warn", 1)
DEFINE_LOG(log_error, "error", 1)
