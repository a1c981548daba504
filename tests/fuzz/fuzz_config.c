/* fuzz_config.c - config_load (src/core/config.c), which reads the process
 * configuration from the environment.
 *
 * The input is lines; each line's first byte picks a variable, the rest (up to a
 * NUL) is its value. Checks: config_load either accepts, with every setting in its
 * documented range, or refuses with a one-line message that names a variable. The
 * secret is not needed (need_secret false), so nothing is written to disk. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/config.h"

static const char *const vars[] = {"PORT", "BIND", "DATA_DIR", "DATABASE_URL", "PUBLIC_URL", "SECRET_KEY",
				   "MAX_UPLOAD_BYTES", "MAX_CONTEXT_CHARS", "TRUST_PROXY", "THREADS",
				   "MAX_CONNECTIONS_PER_IP", "MAX_ASKS_PER_USER",
				   /* read once issue 11's limits are merged; ignored before */
				   "MAX_RECEIVING_BYTES", "MAX_CONNECTIONS", "MAX_API_BODY_BYTES"};
#define NVARS (sizeof vars / sizeof vars[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < NVARS; i++)
		unsetenv(vars[i]);
	char *s = fuzz_strndup(data, size);
	for (char *line = s, *next; line < s + size; line = next + 1) {
		next = memchr(line, '\n', (size_t)(s + size - line));
		if (!next)
			next = s + size;
		*next = '\0';
		if (*line)
			setenv(vars[(unsigned char)line[0] % NVARS], line + 1, 1);
	}
	free(s);

	struct config c;
	char err[512] = "";
	int rc = config_load(&c, false, err, sizeof err);
	if (rc == 0) {
		FUZZ_CHECK(c.port >= 0 && c.port <= 65535, "port %d", c.port);
		FUZZ_CHECK(c.bind && c.data_dir && c.database_url && c.public_url, "a setting left NULL");
		FUZZ_CHECK(c.threads >= 1 && c.threads <= 256, "threads %d", c.threads);
		FUZZ_CHECK(c.max_upload_bytes >= 1 && c.max_context_chars >= 1, "a size of 0");
		FUZZ_CHECK(c.max_asks_per_user >= 1, "max asks 0");
		FUZZ_CHECK(strncmp(c.public_url, "http://", 7) == 0 || strncmp(c.public_url, "https://", 8) == 0,
			   "public url '%s'", c.public_url);
		FUZZ_CHECK(c.https == (strncmp(c.public_url, "https://", 8) == 0), "https flag");
		size_t pl = strlen(c.public_url);
		FUZZ_CHECK(pl <= 8 || c.public_url[pl - 1] != '/', "public url '%s' ends with '/'", c.public_url);
	} else {
		FUZZ_CHECK(rc == -1, "rc %d", rc);
		FUZZ_CHECK(!strchr(err, '\n'), "a message on several lines: %s", err);
		bool named = strncmp(err, "out of memory", 13) == 0;
		for (size_t i = 0; i < NVARS && !named; i++)
			named = strncmp(err, vars[i], strlen(vars[i])) == 0 && err[strlen(vars[i])] == ':';
		FUZZ_CHECK(named, "the message names no variable: '%s'", err);
	}
	config_free(&c);
	return 0;
}
