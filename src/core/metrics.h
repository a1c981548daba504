/* metrics.h - a small registry of Prometheus metrics (docs/metrics.md) and its text
 * writer (the exposition format 0.0.4 that /metrics serves).
 *
 * Updates are lock-free and allocate nothing: a counter, a gauge or a histogram
 * bucket is one relaxed atomic add on a cell allocated when the family was
 * registered. Label values are never taken from requests: a family's labels are
 * up to METRIC_MAX_DIMS "dimensions", each a table of value tuples fixed before
 * serving (a compile-time list such as the HTTP methods, or a table built at
 * start-up from the route table or the configured providers), and a series is
 * addressed by its row in each table. So the number of series is bounded by the
 * product of the tables' sizes, whatever clients send.
 *
 * Register every family before the threads that update it start, and unregister it
 * only after they stop. A family that was never registered counts nothing (its
 * updates are no-ops), so code that updates metrics runs as well without them (the
 * unit tests, the command-line tools). */
#ifndef LLMMETA_METRICS_H
#define LLMMETA_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define METRIC_MAX_DIMS 3
#define METRIC_MAX_NAMES 2 /* label names in one dimension (provider and model go together) */
#define METRIC_MAX_BUCKETS 20

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* One dimension: label names and rows of values, n rows of nnames values each,
 * row-major (values[row * nnames + k] is the value of names[k]). */
struct metric_dim {
	const char *names[METRIC_MAX_NAMES];
	size_t nnames;
	const char *const *values;
	size_t n;
};

/* A histogram's upper bounds, ascending, in the integer unit its observations use,
 * which is 10^-digits of the base unit: digits 6 for microseconds, 3 for
 * milliseconds (seconds being the base unit). The +Inf bucket is implicit. */
struct metric_buckets {
	const int64_t *le;
	size_t n; /* at most METRIC_MAX_BUCKETS */
	int digits;
};

struct metric_family {
	const char *name, *help;
	enum metric_kind kind;
	const struct metric_dim *dims[METRIC_MAX_DIMS];
	size_t ndims;
	const struct metric_buckets *buckets; /* histograms */
	/* A series appears once it has counted something, rather than at zero: for
	 * families whose possible label sets are many and mostly unused (routes by
	 * method by status). */
	bool skip_zero;
	/* A gauge read when scraped instead of stored (NULL: stored). */
	int64_t (*read)(void);

	/* Set by metrics_register. */
	_Atomic uint64_t *cells;
	size_t nseries, stride;
	struct metric_family *next;
};

/* Allocates the family's cells (zero) and adds it to what metrics_write writes, in
 * registration order. 0, or -1 when out of memory or the family is malformed (a name
 * or label name Prometheus refuses, too many buckets). */
int metrics_register(struct metric_family *f);
/* Removes the family and frees its cells; updates to it are no-ops again. */
void metrics_unregister(struct metric_family *f);
/* Unregisters every family (at the end of the process). */
void metrics_unregister_all(void);

/* The series of a family at the given row of each dimension (in dims order), or
 * SIZE_MAX when a row is out of range, which the updates ignore. */
static inline size_t metric_series(const struct metric_family *f, size_t r0, size_t r1, size_t r2)
{
	size_t rows[METRIC_MAX_DIMS] = {r0, r1, r2}, s = 0;
	for (size_t i = 0; i < f->ndims; i++) {
		if (rows[i] >= f->dims[i]->n)
			return SIZE_MAX;
		s = s * f->dims[i]->n + rows[i];
	}
	return s;
}

/* Counters: add n. Gauges: add d (negative to lower), or set. */
void metric_add(struct metric_family *f, size_t series, uint64_t n);
void metric_gauge_add(struct metric_family *f, size_t series, int64_t d);
void metric_gauge_set(struct metric_family *f, size_t series, int64_t v);
/* Histograms: one observation of v (in the buckets' unit; negative counts as 0). */
void metric_observe(struct metric_family *f, size_t series, int64_t v);
/* A counter's or gauge's value, or a histogram's count (tests, and the writer). */
uint64_t metric_value(const struct metric_family *f, size_t series);

/* Writes every registered family, then the process's own metrics (resident and
 * virtual memory, CPU time, open and maximum descriptors, start time), in the text
 * exposition format 0.0.4. 0, or -1 when out of memory (out->oom). */
int metrics_write(buf *out);
/* The pieces of the writer, exposed for the unit tests: a label value with \, " and
 * newline escaped; a HELP text with \ and newline escaped. */
void metrics_escape_label(buf *out, const char *s);
void metrics_escape_help(buf *out, const char *s);
/* The content type of metrics_write's output. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
