/* start.c - the web application's start and stop: what it registers with http/
 * before serving (the error pages, the static files, https, the metrics, the sign-in
 * providers' origins), and what it ends, in order, after the last request. */
#include "app.h"

#include "../../core/config.h"
#include "../../core/log.h"
#include "../../core/metrics.h"
#include "../../http/http_metrics.h"
#include "../../llm/llm.h"
#include "../../oauth/oauth.h"
#include "../accounts/accounts.h"
#include "../api/api.h"
#include "../ask/ask.h"
#include "../call/call.h"
#include "../call/limit.h"
#include "../call/recorder.h"
#include "../errors.h"
#include "../instance.h"
#include "../site/site.h"
#include "routes.h"

void app_init(void)
{
	http_set_error_renderer(error_page);
	http_set_assets(app_assets);
	http_set_https(cfg.https);
	/* Metrics are not needed to serve: without memory for them, serve without. */
	if (http_metrics_init(app_routes, app_nroutes) < 0 || metrics_page_init() < 0)
		log_error("metrics: out of memory at start-up; /metrics will be incomplete");
	oauth_init();
	/* The sign-in buttons post to us and are redirected to the providers. */
	buf origins = BUF_INIT;
	oauth_origins(&origins);
	http_set_form_action(origins.oom ? NULL : origins.data);
	buf_free(&origins);
}

void app_stop(void)
{
	llm_engine_stop();
	call_heartbeat_stop();
	web_hash_stop(); /* the sign-ins still waiting are answered */
}

void app_shutdown(void)
{
	app_stop();
	password_reset_stop(); /* the password reset mails still queued */
	call_recorder_stop(); /* after the last request: every call's record is written */
	call_limit_stop();    /* before the lease, which takes its places with it */
	instance_stop();
	metrics_unregister_all();
	oauth_cleanup();
}
