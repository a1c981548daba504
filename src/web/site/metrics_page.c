/* metrics_page.c - GET /metrics, the Prometheus scrape target (docs/metrics.md),
 * and the registration of every layer's metrics before serving.
 *
 * Who may read it: a request with `Authorization: Bearer $METRICS_TOKEN` (compared in
 * constant time), or an administrator's session. Anyone else gets 401 with
 * WWW-Authenticate when a token is configured, and 404 when none is, so that the
 * page is not public by accident and, without a token, does not even show that it
 * exists. The bearer check needs no database: a scrape still answers while the
 * database is down, when its error counter matters most. */
#include <sodium.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/metrics.h"
#include "../../llm/llm.h"
#include "../call/call.h"
#include "../call/recorder.h"
#include "../context.h"
#include "site.h"

static const char *const version_values[] = {LLMMETA_VERSION};
static const struct metric_dim version_dim = {{"version"}, 1, version_values, 1};
static struct metric_family build_info = {
	.name = "llmmeta_build_info",
	.help = "Always 1; the version of the running build as a label.",
	.kind = METRIC_GAUGE,
	.dims = {&version_dim},
	.ndims = 1,
};

static int64_t answers_waiting(void) { return (int64_t)call_recorder_waiting(); }
static struct metric_family pending = {
	.name = "llmmeta_answers_waiting_for_database",
	.help = "Answers that arrived while the database could not take them, waiting in memory to be written.",
	.kind = METRIC_GAUGE,
	.read = answers_waiting,
};

/* The token's hash: comparing hashes takes the same time whatever the length and
 * the content of what was sent. */
static unsigned char token_hash[crypto_generichash_BYTES];

int metrics_page_init(void)
{
	if (cfg.metrics_token)
		crypto_generichash(token_hash, sizeof token_hash, (const unsigned char *)cfg.metrics_token,
				   strlen(cfg.metrics_token), NULL, 0);
	if (metrics_register(&build_info) < 0 || metrics_register(&pending) < 0 || db_metrics_init() < 0 ||
	    llm_metrics_init() < 0)
		return -1;
	metric_gauge_set(&build_info, 0, 1);
	return 0;
}

static bool bearer_ok(http_req *r)
{
	const char *sent = http_bearer(r);
	if (!cfg.metrics_token || !sent)
		return false;
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)sent, strlen(sent), NULL, 0);
	return sodium_memcmp(h, token_hash, sizeof h) == 0;
}

bool web_metrics_reader(http_req *r) { return bearer_ok(r) || (web_session(r) == 0 && visitor(r)->admin); }

void page_metrics(http_req *r)
{
	if (!web_metrics_reader(r)) {
		if (!cfg.metrics_token) {
			http_error(r, 404, NULL);
			return;
		}
		http_add_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		http_error(r, 401, "/metrics takes Authorization: Bearer with the token METRICS_TOKEN configures, "
				   "or an administrator's session.");
		return;
	}
	buf b = BUF_INIT;
	if (metrics_write(&b) < 0) {
		buf_free(&b);
		http_error(r, 500, "Out of memory.");
		return;
	}
	http_send(r, 200, METRICS_CONTENT_TYPE, &b);
}
