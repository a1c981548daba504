/* log.h - one-line log messages on stderr, prefixed with a UTC timestamp and level.
 * Never pass a secret (password, token, key) to these.
 *
 * Control characters in a message are written as \xNN, so one event is one line.
 * log_info, log_warn and log_error write their line at once. log_request, the line
 * every HTTP request ends with, is the hot path: it is formatted without printf and
 * batched per thread, reaching stderr at most LOG_BATCH_MS later, when the thread
 * ends, or at exit. */
#ifndef LLMMETA_LOG_H
#define LLMMETA_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* How long a request line may wait in its thread's batch. */
#define LOG_BATCH_MS 20

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The info line of a finished request:
 *   "<method> <path> <status> <bytes>B <ms>ms <user>" and " (connection closed early)"
 * when it was; NULL method, path or user are written "?", "?" and "-". */
void log_request(const char *method, const char *path, int status, size_t bytes, long long ms, const char *user,
		 bool closed_early);
/* Writes every batched line now (also done at exit). */
void log_flush(void);

#endif
