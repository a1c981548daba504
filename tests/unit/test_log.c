/* test_log.c - log lines (src/core/log.c), read back from stderr redirected to a
 * file.
 *
 * Covers: the request line, formatted by hand, is exactly what the printf format it
 * replaced wrote (NULL method, path and user; the closed-early suffix; negative and
 * large numbers), control characters and backslashes escaped as \xNN; a message is
 * cut at 2047 bytes before escaping (2047 kept, the 2048th not), and a line longer
 * than a batch is written whole; batched request lines reach stderr by the flusher
 * (well within ten times LOG_BATCH_MS), by log_flush, or when their thread ends; a
 * warning is written at once, after the thread's batched lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../src/core/log.h"

static char path[64];
static int saved_stderr = -1;
static off_t seen; /* how much of the file earlier reads took */

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/llmmeta-test-log-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

/* Puts stderr back, with whatever the tests did not read (cmocka's report of a
 * failure goes to stderr too). */
static int teardown(void **state)
{
	(void)state;
	log_flush();
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	int fd = open(path, O_RDONLY);
	char b[4096];
	ssize_t n;
	while (fd >= 0 && (n = pread(fd, b, sizeof b, seen)) > 0) {
		fwrite(b, 1, (size_t)n, stderr);
		seen += n;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	return 0;
}

/* What was written since the last call, with each line's timestamp (24 bytes and a
 * space) removed; the caller frees it. */
static char *fresh(void)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	fstat(fd, &st);
	size_t n = (size_t)(st.st_size - seen);
	char *raw = malloc(n + 1), *out = malloc(n + 1);
	assert_int_equal(pread(fd, raw, n, seen), (ssize_t)n);
	close(fd);
	seen = st.st_size;
	raw[n] = '\0';
	size_t o = 0;
	for (char *line = raw; *line;) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		assert_true(end - line > 25);
		assert_true(line[4] == '-' && line[10] == 'T' && line[23] == 'Z' && line[24] == ' ');
		memcpy(out + o, line + 25, (size_t)(end + 1 - line - 25));
		o += (size_t)(end + 1 - line - 25);
		line = end + 1;
	}
	out[o] = '\0';
	free(raw);
	return out;
}

static void expect(const char *want)
{
	char *got = fresh();
	assert_string_equal(got, want);
	free(got);
}

/* log_request's line is log_info's with the format it replaced. */
static void same_as_printf(const char *method, const char *path_, int status, size_t bytes, long long ms,
			   const char *user, bool early)
{
	log_info("%s %s %d %zuB %lldms %s%s", method ? method : "?", path_ ? path_ : "?", status, bytes, ms,
		 user ? user : "-", early ? " (connection closed early)" : "");
	char *want = fresh();
	log_request(method, path_, status, bytes, ms, user, early);
	log_flush();
	char *got = fresh();
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_request_line_format(void **state)
{
	(void)state;
	log_request("GET", "/a b", 200, 1762, 3, "ada", false);
	log_flush();
	expect("info GET /a b 200 1762B 3ms ada\n");
	same_as_printf("GET", "/", 200, 0, 0, NULL, false);
	same_as_printf(NULL, NULL, 500, 123456789012345, -1, "bob", true);
	same_as_printf("POST", "/x\n2026-01-01T00:00:00.000Z info forged\x1b[31m\\", 302, 5, 9223372036854775807LL, "a\tb",
		       false);
	same_as_printf("GET", "/é\x7f", -404, 1, -9223372036854775807LL - 1, "", false);
}

static void test_long_lines(void **state)
{
	(void)state;
	/* "GET " + path + " 200 0B 0ms -": a message of 2046 to 2049 bytes. Every byte of
	 * the path is escaped to 4, so the lines are longer than a batch. */
	const size_t fixed = strlen("GET ") + strlen(" 200 0B 0ms -");
	for (size_t total = 2046; total <= 2049; total++) {
		char *p = malloc(total - fixed + 1);
		memset(p, '\n', total - fixed);
		p[total - fixed] = '\0';
		same_as_printf("GET", p, 200, 0, 0, NULL, false);
		log_request("GET", p, 200, 0, 0, NULL, false);
		log_flush();
		char *got = fresh();
		/* Whole up to 2047 bytes; beyond, the end of the message is cut (before
		 * escaping: the 4-byte escapes of the path stay whole). */
		size_t kept = total <= 2047 ? total : 2047;
		char tail[32];
		snprintf(tail, sizeof tail, "%.*s\n", (int)(strlen(" 200 0B 0ms -") - (total - kept)), " 200 0B 0ms -");
		size_t n = strlen(got);
		assert_int_equal(n, strlen("info ") + kept + 3 * (total - fixed) + 1);
		assert_string_equal(got + n - strlen(tail), tail);
		free(got);
		free(p);
	}
}

static void sleep_ms(long ms) { nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L}, NULL); }

static void test_batched_until_flushed(void **state)
{
	(void)state;
	log_request("GET", "/batched", 200, 1, 1, "-", false);
	log_warn("a warning");
	expect("info GET /batched 200 1B 1ms -\nwarn a warning\n"); /* at once, after the batch */
	log_request("GET", "/later", 200, 1, 1, "-", false);
	sleep_ms(LOG_BATCH_MS * 10);
	expect("info GET /later 200 1B 1ms -\n"); /* the flusher wrote it */
}

static void *one_request(void *arg)
{
	log_request("GET", arg, 200, 1, 1, "-", false);
	return NULL;
}

static void test_thread_end_writes_its_batch(void **state)
{
	(void)state;
	/* Much less than the flusher's delay: written at the thread's end, not by it. */
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, one_request, "/from-a-thread"), 0);
	pthread_join(t, NULL);
	expect("info GET /from-a-thread 200 1B 1ms -\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line_format),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_batched_until_flushed),
		cmocka_unit_test(test_thread_end_writes_its_batch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
