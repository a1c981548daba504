/* fuzz_providers.c - the provider INI file (LLMMETA_PROVIDERS, src/llm/provider.c)
 * as an operator might get it wrong: the input is written to a scratch file and
 * loaded with llm_config_load.
 *
 * Checks: it either accepts, with every provider's url starting http:// or https://
 * and without a trailing '/', timeouts of 1 s to 1 day, and every model listed
 * non-empty, trimmed and found by llm_provider_for; or refuses with a one-line
 * message starting "LLMMETA_PROVIDERS:". Everything is freed after each input (the
 * leak checker sees what is not).
 *
 * A provider without models is asked for its list over HTTP (discover()): this file
 * defines curl_easy_perform, which the harness's copy of provider.c links against in
 * place of libcurl's, and which fails at once, so no input reaches the network. */
#include "fuzz.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <unistd.h>

#include "../../src/llm/llm.h"

CURLcode curl_easy_perform(CURL *c)
{
	(void)c;
	return CURLE_COULDNT_CONNECT;
}

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!*path) {
		snprintf(path, sizeof path, "/tmp/llmmeta-fuzz-providers.%ld.ini", (long)getpid());
		setenv("LLMMETA_PROVIDERS", path, 1);
		setenv("LLMMETA_FUZZ_KEY", "k", 1); /* for key_env = LLMMETA_FUZZ_KEY */
	}
	FILE *f = fopen(path, "wb");
	FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);

	char err[512] = "";
	int rc = llm_config_load(err, sizeof err);
	if (rc == 0) {
		for (size_t i = 0; i < llm_model_count(); i++) {
			const char *m = llm_model_at(i);
			FUZZ_CHECK(m && *m, "model %zu empty", i);
			FUZZ_CHECK(m[0] != ' ' && m[strlen(m) - 1] != ' ', "model '%s' not trimmed", m);
			const struct llm_provider *p = llm_provider_for(m);
			FUZZ_CHECK(p, "model '%s' has no provider", m);
			FUZZ_CHECK(strncmp(p->url, "http://", 7) == 0 || strncmp(p->url, "https://", 8) == 0, "url '%s'", p->url);
			size_t n = strlen(p->url);
			FUZZ_CHECK(n <= 8 || p->url[n - 1] != '/', "url '%s' ends with '/'", p->url);
			FUZZ_CHECK(p->connect_ms >= 1000 && p->connect_ms <= 86400000 && p->first_token_ms >= 1000 &&
					   p->first_token_ms <= 86400000 && p->total_ms >= 1000 && p->total_ms <= 86400000,
				   "a timeout out of range");
			FUZZ_CHECK(p->type == LLM_OPENAI || p->type == LLM_ANTHROPIC, "type %d", (int)p->type);
		}
	} else {
		FUZZ_CHECK(rc == -1, "rc %d", rc);
		FUZZ_CHECK(!strchr(err, '\n'), "a message on several lines: %s", err);
		FUZZ_CHECK(strncmp(err, "LLMMETA_PROVIDERS: ", 19) == 0, "message '%s'", err);
	}
	llm_config_free();
	return 0;
}
