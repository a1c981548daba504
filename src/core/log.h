/* log.h - one-line log messages on stderr, prefixed with a UTC timestamp and level.
 * Never pass a secret (password, token, key) to these. */
#ifndef LLMMETA_LOG_H
#define LLMMETA_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
