/* metrics.c - the registry and text writer of metrics.h (docs/metrics.md).
 *
 * Each family's cells are one array of 64-bit atomics, a fixed stride per series: a
 * counter or gauge is one cell; a histogram is one cell per bucket (the +Inf one
 * last), not cumulative, so an observation touches one bucket, plus one for the
 * sum. The writer cumulates the buckets and derives _count from them, so _count
 * always equals the +Inf bucket even while observations land. Updates use relaxed
 * order: a scrape needs each value, not an order between them.
 *
 * The list of families changes only at start-up and at the end; a mutex guards it
 * for the writer's sake, and the hot path never takes it. */
#include "metrics.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct metric_family *first, *last;

static bool name_ok(const char *s, bool colon)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      (colon && *s == ':')))
			return false;
	return true;
}

static bool family_ok(const struct metric_family *f)
{
	if (!name_ok(f->name, true) || !f->help || f->ndims > METRIC_MAX_DIMS ||
	    (f->read && (f->kind != METRIC_GAUGE || f->ndims)))
		return false;
	if (f->kind == METRIC_HISTOGRAM) {
		const struct metric_buckets *b = f->buckets;
		if (!b || b->n > METRIC_MAX_BUCKETS || b->digits < 0 || b->digits > 9)
			return false;
		for (size_t i = 1; i < b->n; i++)
			if (b->le[i] <= b->le[i - 1])
				return false;
	}
	for (size_t i = 0; i < f->ndims; i++) {
		const struct metric_dim *d = f->dims[i];
		if (!d || d->nnames == 0 || d->nnames > METRIC_MAX_NAMES)
			return false;
		for (size_t k = 0; k < d->nnames; k++)
			if (!name_ok(d->names[k], false) || strncmp(d->names[k], "__", 2) == 0 ||
			    (f->kind == METRIC_HISTOGRAM && strcmp(d->names[k], "le") == 0))
				return false;
	}
	return true;
}

static bool listed_locked(const struct metric_family *f)
{
	for (const struct metric_family *g = first; g; g = g->next)
		if (g == f)
			return true;
	return false;
}

int metrics_register(struct metric_family *f)
{
	if (!family_ok(f))
		return -1;
	size_t n = 1;
	for (size_t i = 0; i < f->ndims; i++)
		n *= f->dims[i]->n;
	size_t stride = f->kind == METRIC_HISTOGRAM ? f->buckets->n + 2 : 1;
	_Atomic uint64_t *cells = NULL;
	if (!f->read && n) {
		if (!(cells = calloc(n * stride, sizeof *cells)))
			return -1;
		for (size_t i = 0; i < n * stride; i++)
			atomic_init(&cells[i], 0);
	}
	pthread_mutex_lock(&mu);
	if (listed_locked(f)) { /* registered twice: its cells would be lost, the list looped */
		pthread_mutex_unlock(&mu);
		free(cells);
		return -1;
	}
	f->nseries = f->read ? 1 : n;
	f->stride = stride;
	f->cells = cells;
	f->next = NULL;
	if (last)
		last->next = f;
	else
		first = f;
	last = f;
	pthread_mutex_unlock(&mu);
	return 0;
}

void metrics_unregister(struct metric_family *f)
{
	pthread_mutex_lock(&mu);
	struct metric_family *prev = NULL;
	for (struct metric_family *g = first; g; prev = g, g = g->next) {
		if (g != f)
			continue;
		if (prev)
			prev->next = g->next;
		else
			first = g->next;
		if (last == g)
			last = prev;
		break;
	}
	free(f->cells);
	f->cells = NULL;
	f->nseries = 0;
	f->next = NULL;
	pthread_mutex_unlock(&mu);
}

void metrics_unregister_all(void)
{
	for (;;) {
		pthread_mutex_lock(&mu);
		struct metric_family *f = first;
		pthread_mutex_unlock(&mu);
		if (!f)
			break;
		metrics_unregister(f);
	}
}

/* ---- updates: no lock, no allocation ---- */

static _Atomic uint64_t *cell(struct metric_family *f, size_t series)
{
	return f->cells && series < f->nseries ? &f->cells[series * f->stride] : NULL;
}

void metric_add(struct metric_family *f, size_t series, uint64_t n)
{
	_Atomic uint64_t *c = cell(f, series);
	if (c)
		atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void metric_gauge_add(struct metric_family *f, size_t series, int64_t d)
{
	_Atomic uint64_t *c = cell(f, series);
	if (c) /* two's complement: adding the unsigned image of a negative number subtracts */
		atomic_fetch_add_explicit(c, (uint64_t)d, memory_order_relaxed);
}

void metric_gauge_set(struct metric_family *f, size_t series, int64_t v)
{
	_Atomic uint64_t *c = cell(f, series);
	if (c)
		atomic_store_explicit(c, (uint64_t)v, memory_order_relaxed);
}

void metric_observe(struct metric_family *f, size_t series, int64_t v)
{
	_Atomic uint64_t *c = cell(f, series);
	if (!c)
		return;
	if (v < 0)
		v = 0;
	const struct metric_buckets *b = f->buckets;
	size_t i = 0;
	while (i < b->n && v > b->le[i])
		i++;
	atomic_fetch_add_explicit(&c[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c[b->n + 1], (uint64_t)v, memory_order_relaxed);
}

uint64_t metric_value(const struct metric_family *f, size_t series)
{
	if (f->read)
		return (uint64_t)f->read();
	if (!f->cells || series >= f->nseries)
		return 0;
	const _Atomic uint64_t *c = &f->cells[series * f->stride];
	if (f->kind != METRIC_HISTOGRAM)
		return atomic_load_explicit(c, memory_order_relaxed);
	uint64_t n = 0;
	for (size_t i = 0; i <= f->buckets->n; i++)
		n += atomic_load_explicit(&c[i], memory_order_relaxed);
	return n;
}

/* ---- the text format ---- */

static void escape(buf *out, const char *s, bool quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : quote && *s == '"' ? "\\\"" : NULL;
		if (!rep)
			continue;
		buf_append(out, run, (size_t)(s - run));
		buf_puts(out, rep);
		run = s + 1;
	}
	buf_append(out, run, (size_t)(s - run));
}

void metrics_escape_label(buf *out, const char *s) { escape(out, s, true); }
void metrics_escape_help(buf *out, const char *s) { escape(out, s, false); }

/* An integer in units of 10^-digits, exactly: 2500 with 6 digits is 0.0025. */
static void put_scaled(buf *out, uint64_t v, int digits)
{
	uint64_t div = 1;
	for (int i = 0; i < digits; i++)
		div *= 10;
	buf_printf(out, "%" PRIu64, v / div);
	uint64_t frac = v % div;
	if (!frac)
		return;
	char f[16];
	size_t n = (size_t)digits;
	for (size_t i = n; i-- > 0; frac /= 10)
		f[i] = (char)('0' + frac % 10);
	while (n && f[n - 1] == '0')
		n--;
	buf_putc(out, '.');
	buf_append(out, f, n);
}

/* {a="x",b="y" for the series' rows; the caller closes it (after adding le). */
static void open_labels(buf *out, const struct metric_family *f, size_t series)
{
	size_t rows[METRIC_MAX_DIMS], rest = series;
	for (size_t i = f->ndims; i-- > 0;) {
		rows[i] = rest % f->dims[i]->n;
		rest /= f->dims[i]->n;
	}
	buf_putc(out, '{');
	bool any = false;
	for (size_t i = 0; i < f->ndims; i++) {
		const struct metric_dim *d = f->dims[i];
		for (size_t k = 0; k < d->nnames; k++) {
			buf_printf(out, "%s%s=\"", any ? "," : "", d->names[k]);
			metrics_escape_label(out, d->values[rows[i] * d->nnames + k]);
			buf_putc(out, '"');
			any = true;
		}
	}
}

static void close_labels(buf *out, const struct metric_family *f)
{
	if (f->ndims)
		buf_putc(out, '}');
}

static void write_family(buf *out, const struct metric_family *f)
{
	static const char *const kinds[] = {"counter", "gauge", "histogram"};
	buf_printf(out, "# HELP %s ", f->name);
	metrics_escape_help(out, f->help);
	buf_printf(out, "\n# TYPE %s %s\n", f->name, kinds[f->kind]);
	for (size_t s = 0; s < f->nseries; s++) {
		if (f->kind != METRIC_HISTOGRAM) {
			uint64_t v = metric_value(f, s);
			if (f->skip_zero && !v)
				continue;
			buf_puts(out, f->name);
			if (f->ndims) {
				open_labels(out, f, s);
				close_labels(out, f);
			}
			if (f->kind == METRIC_GAUGE)
				buf_printf(out, " %" PRId64 "\n", (int64_t)v);
			else
				buf_printf(out, " %" PRIu64 "\n", v);
			continue;
		}
		const struct metric_buckets *b = f->buckets;
		const _Atomic uint64_t *c = &f->cells[s * f->stride];
		uint64_t counts[METRIC_MAX_BUCKETS + 1], total = 0;
		for (size_t i = 0; i <= b->n; i++)
			total += counts[i] = atomic_load_explicit(&c[i], memory_order_relaxed);
		if (f->skip_zero && !total)
			continue;
		uint64_t sum = atomic_load_explicit(&c[b->n + 1], memory_order_relaxed), cum = 0;
		for (size_t i = 0; i <= b->n; i++) {
			cum += counts[i];
			buf_printf(out, "%s_bucket", f->name);
			open_labels(out, f, s);
			buf_puts(out, f->ndims ? ",le=\"" : "le=\"");
			if (i < b->n)
				put_scaled(out, (uint64_t)b->le[i], b->digits);
			else
				buf_puts(out, "+Inf");
			buf_printf(out, "\"} %" PRIu64 "\n", cum);
		}
		buf_printf(out, "%s_sum", f->name);
		if (f->ndims) {
			open_labels(out, f, s);
			close_labels(out, f);
		}
		buf_putc(out, ' ');
		put_scaled(out, sum, b->digits);
		buf_printf(out, "\n%s_count", f->name);
		if (f->ndims) {
			open_labels(out, f, s);
			close_labels(out, f);
		}
		buf_printf(out, " %" PRIu64 "\n", total);
	}
}

/* ---- the process's own metrics, by the names every Prometheus client uses ---- */

static void process_metric(buf *out, const char *name, const char *type, const char *help, int decimals, double v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.*f\n", name, help, name, type, name, decimals, v);
}

static long long boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	long long bt = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	if (f)
		fclose(f);
	return bt;
}

static void write_process(buf *out)
{
	/* /proc/self/stat: fields after the command's closing parenthesis, from the
	 * third (state): utime is the 14th, stime 15th, starttime 22nd, vsize 23rd,
	 * rss 24th (proc(5)). */
	char stat[1024];
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
	if (f)
		fclose(f);
	stat[n] = '\0';
	const char *p = strrchr(stat, ')');
	unsigned long long utime, stime, start, vsize;
	long long rss;
	double tick = (double)sysconf(_SC_CLK_TCK);
	if (p && tick > 0 &&
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) == 5) {
		process_metric(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
			       2, (double)(utime + stime) / tick);
		process_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", 0,
			       (double)rss * (double)sysconf(_SC_PAGESIZE));
		process_metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", 0,
			       (double)vsize);
		long long bt = boot_time();
		if (bt > 0)
			process_metric(out, "process_start_time_seconds", "gauge",
				       "Start time of the process since unix epoch in seconds.", 2,
				       (double)bt + (double)start / tick);
	}
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		long fds = -1; /* the directory's own descriptor */
		for (struct dirent *e; (e = readdir(d));)
			fds += e->d_name[0] != '.';
		closedir(d);
		process_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.", 0, (double)fds);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		process_metric(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", 0,
			       (double)rl.rlim_cur);
}

int metrics_write(buf *out)
{
	pthread_mutex_lock(&mu);
	for (const struct metric_family *f = first; f; f = f->next)
		write_family(out, f);
	pthread_mutex_unlock(&mu);
	write_process(out);
	return out->oom ? -1 : 0;
}
