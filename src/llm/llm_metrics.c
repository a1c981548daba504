/* llm_metrics.c - the provider calls' metrics (docs/metrics.md), counted by the
 * engine (engine.c) so that every call is counted, whoever made it: calls by
 * outcome, tokens in and out, time to first token and total time, calls in flight.
 *
 * The provider and model labels are the configured names only: the table of
 * (provider, model) rows is built at start-up from the configuration (with the
 * models a provider listed itself when it was asked), and a call is counted under
 * its row. A model the configuration does not name - which the web form and the API
 * refuse before any call - would count as "(other)" of its provider, so no name a
 * client sent can become a label. */
#include <stdlib.h>
#include <string.h>

#include "../core/metrics.h"
#include "llm_impl.h"

static const char *const outcome_values[] = {"ok", "error", "cancelled", "timeout"};
static const struct metric_dim outcome_dim = {{"outcome"}, 1, outcome_values, 4};
static const char *const direction_values[] = {"in", "out"};
static const struct metric_dim direction_dim = {{"direction"}, 1, direction_values, 2};

/* Rows of (provider, model): each provider's models, then its "(other)". */
static struct metric_dim target_dim = {{"provider", "model"}, 2, NULL, 0};
static const char **target_values;

/* Seconds, in milliseconds: from 50 ms to the default total timeout (10 min). */
static const int64_t seconds_le[] = {50,   100,	  250,	 500,	1000,	2500,	 5000,	  10000,
				     20000, 30000, 60000, 120000, 300000, 600000};
static const struct metric_buckets seconds_buckets = {seconds_le, sizeof seconds_le / sizeof seconds_le[0], 3};

static struct metric_family calls = {
	.name = "llmmeta_llm_calls_total",
	.help = "Provider calls ended, by provider and model as configured and outcome (ok, error, cancelled, timeout).",
	.kind = METRIC_COUNTER,
	.dims = {&target_dim, &outcome_dim},
	.ndims = 2,
	.skip_zero = true,
};
static struct metric_family tokens = {
	.name = "llmmeta_llm_tokens_total",
	.help = "Tokens the providers reported: direction in (prompt) and out (completion).",
	.kind = METRIC_COUNTER,
	.dims = {&target_dim, &direction_dim},
	.ndims = 2,
	.skip_zero = true,
};
static struct metric_family ttft = {
	.name = "llmmeta_llm_time_to_first_token_seconds",
	.help = "Time from sending a call to its first piece of text (calls that got one).",
	.kind = METRIC_HISTOGRAM,
	.dims = {&target_dim},
	.ndims = 1,
	.buckets = &seconds_buckets,
	.skip_zero = true,
};
static struct metric_family duration = {
	.name = "llmmeta_llm_duration_seconds",
	.help = "Time from sending a call to its end, whatever the outcome.",
	.kind = METRIC_HISTOGRAM,
	.dims = {&target_dim},
	.ndims = 1,
	.buckets = &seconds_buckets,
	.skip_zero = true,
};
static struct metric_family in_flight = {
	.name = "llmmeta_llm_calls_in_flight",
	.help = "Provider calls started and not yet ended.",
	.kind = METRIC_GAUGE,
};

static struct metric_family *const families[] = {&calls, &tokens, &ttft, &duration, &in_flight};
#define NFAMILIES (sizeof families / sizeof families[0])

void llm_metrics_free(void)
{
	for (size_t i = 0; i < NFAMILIES; i++)
		metrics_unregister(families[i]);
	free(target_values);
	target_values = NULL;
	target_dim.values = NULL;
	target_dim.n = 0;
}

int llm_metrics_init(void)
{
	llm_metrics_free();
	size_t rows = 0, np = llm_provider_count();
	for (size_t i = 0; i < np; i++)
		rows += llm_provider_at(i)->nmodels + 1;
	target_values = calloc(rows ? rows * 2 : 1, sizeof *target_values);
	if (!target_values) {
		llm_metrics_free();
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		const struct llm_provider *p = llm_provider_at(i);
		for (size_t k = 0; k <= p->nmodels; k++) {
			const char *model = k < p->nmodels ? p->models[k] : "(other)";
			/* One row per (provider, model) pair, however often the configuration
			 * names it: two rows with the same labels would be one series twice. */
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = strcmp(target_values[2 * j], p->name) == 0 && strcmp(target_values[2 * j + 1], model) == 0;
			if (seen)
				continue;
			target_values[2 * n] = p->name;
			target_values[2 * n + 1] = model;
			n++;
		}
	}
	target_dim.values = target_values;
	target_dim.n = n;
	for (size_t i = 0; i < NFAMILIES; i++)
		if (metrics_register(families[i]) < 0) {
			llm_metrics_free();
			return -1;
		}
	return 0;
}

/* The row of the provider's model, else of its "(other)"; SIZE_MAX for a provider
 * that is not configured (the unit tests make their own), which counts nothing. */
static size_t target_row(const struct llm_provider *p, const char *model)
{
	size_t other = SIZE_MAX;
	for (size_t i = 0; i < target_dim.n; i++) {
		if (strcmp(target_values[2 * i], p->name) != 0)
			continue;
		const char *m = target_values[2 * i + 1];
		if (model && strcmp(m, model) == 0)
			return i;
		if (other == SIZE_MAX && strcmp(m, "(other)") == 0)
			other = i;
	}
	return other;
}

void llm_metrics_started(void) { metric_gauge_add(&in_flight, 0, 1); }

void llm_metrics_ended(const struct llm_provider *p, const char *model, enum llm_outcome outcome,
		       const struct llm_result *res)
{
	metric_gauge_add(&in_flight, 0, -1);
	if (!target_dim.n)
		return;
	size_t row = target_row(p, model);
	metric_add(&calls, metric_series(&calls, row, (size_t)outcome, 0), 1);
	if (res->prompt_tokens > 0)
		metric_add(&tokens, metric_series(&tokens, row, 0, 0), (uint64_t)res->prompt_tokens);
	if (res->completion_tokens > 0)
		metric_add(&tokens, metric_series(&tokens, row, 1, 0), (uint64_t)res->completion_tokens);
	if (res->ttft_ms >= 0)
		metric_observe(&ttft, metric_series(&ttft, row, 0, 0), res->ttft_ms);
	metric_observe(&duration, metric_series(&duration, row, 0, 0), res->elapsed_ms);
}
