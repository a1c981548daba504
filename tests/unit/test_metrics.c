/* test_metrics.c - the metrics registry and its text writer (src/core/metrics.c).
 *
 * Covers: counters, gauges and histograms addressed by label rows; rows out of range
 * and families never registered counting nothing; names Prometheus refuses refused
 * at registration; label values and HELP text escaped; histogram buckets cumulative
 * with +Inf last, a value on a bound counted in that bound's bucket, _sum exact in
 * base units, _count equal to +Inf; series skipped while zero when asked; gauges
 * read when scraped; the process metrics; and counts exact under concurrent updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/metrics.h"

/* The output of metrics_write, which the caller frees. */
static char *scrape(void)
{
	buf b = BUF_INIT;
	assert_int_equal(metrics_write(&b), 0);
	return buf_detach(&b, NULL);
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing: %s\nin:\n%s", line, text);
}

static void assert_lacks(const char *text, const char *part)
{
	if (strstr(text, part))
		fail_msg("unexpected: %s\nin:\n%s", part, text);
}

static const char *const colour_values[] = {"red", "green"};
static const struct metric_dim colour = {{"colour"}, 1, colour_values, 2};
static const char *const pair_values[] = {"p1", "m1", "p1", "m2", "p2", "m1"};
static const struct metric_dim pair = {{"provider", "model"}, 2, pair_values, 3};

static void test_counter_with_labels(void **state)
{
	(void)state;
	struct metric_family f = {.name = "t_things_total", .help = "Things.", .kind = METRIC_COUNTER,
				  .dims = {&pair, &colour}, .ndims = 2};
	/* Not registered: counts nothing, and nothing breaks. */
	metric_add(&f, metric_series(&f, 0, 0, 0), 5);
	assert_int_equal(metric_value(&f, 0), 0);
	assert_int_equal(metrics_register(&f), 0);
	assert_int_equal(f.nseries, 6);
	metric_add(&f, metric_series(&f, 1, 1, 0), 3); /* p1/m2, green */
	metric_add(&f, metric_series(&f, 1, 1, 0), 4);
	metric_add(&f, metric_series(&f, 2, 0, 0), 1); /* p2/m1, red */
	/* A row out of range is no series at all, and is ignored. */
	assert_int_equal(metric_series(&f, 3, 0, 0), SIZE_MAX);
	assert_int_equal(metric_series(&f, 0, 2, 0), SIZE_MAX);
	metric_add(&f, metric_series(&f, 3, 0, 0), 100);
	assert_int_equal(metric_value(&f, metric_series(&f, 1, 1, 0)), 7);
	char *t = scrape();
	assert_has(t, "# HELP t_things_total Things.\n# TYPE t_things_total counter\n");
	assert_has(t, "t_things_total{provider=\"p1\",model=\"m2\",colour=\"green\"} 7\n");
	assert_has(t, "t_things_total{provider=\"p2\",model=\"m1\",colour=\"red\"} 1\n");
	/* Without skip_zero, every series is written, zero or not. */
	assert_has(t, "t_things_total{provider=\"p1\",model=\"m1\",colour=\"red\"} 0\n");
	free(t);
	metrics_unregister(&f);
	t = scrape();
	assert_lacks(t, "t_things_total");
	free(t);
	metric_add(&f, 0, 1); /* unregistered again: a no-op */
}

static void test_gauges(void **state)
{
	(void)state;
	struct metric_family g = {.name = "t_level", .help = "Level.", .kind = METRIC_GAUGE};
	assert_int_equal(metrics_register(&g), 0);
	metric_gauge_add(&g, 0, 2);
	metric_gauge_add(&g, 0, -5);
	char *t = scrape();
	assert_has(t, "# TYPE t_level gauge\nt_level -3\n");
	free(t);
	metric_gauge_set(&g, 0, 42);
	t = scrape();
	assert_has(t, "t_level 42\n");
	free(t);
	metrics_unregister(&g);
}

static int64_t read_seven(void) { return 7; }

static void test_gauge_read_when_scraped(void **state)
{
	(void)state;
	struct metric_family g = {.name = "t_read", .help = "Read.", .kind = METRIC_GAUGE, .read = read_seven};
	assert_int_equal(metrics_register(&g), 0);
	char *t = scrape();
	assert_has(t, "t_read 7\n");
	free(t);
	metrics_unregister(&g);
	/* Only an unlabelled gauge may be read: a counter must only go up. */
	struct metric_family c = {.name = "t_read_total", .help = "x", .kind = METRIC_COUNTER, .read = read_seven};
	assert_int_equal(metrics_register(&c), -1);
}

static const int64_t le_us[] = {500, 1000, 2500000};
static const struct metric_buckets us_buckets = {le_us, 3, 6};

static void test_histogram(void **state)
{
	(void)state;
	struct metric_family h = {.name = "t_wait_seconds", .help = "Wait.", .kind = METRIC_HISTOGRAM,
				  .dims = {&colour}, .ndims = 1, .buckets = &us_buckets};
	assert_int_equal(metrics_register(&h), 0);
	metric_observe(&h, 0, 500);     /* on the bound: in le="0.0005" */
	metric_observe(&h, 0, 501);     /* just above: le="0.001" */
	metric_observe(&h, 0, -3);      /* below zero counts as zero */
	metric_observe(&h, 0, 9000000); /* above every bound: +Inf only */
	metric_observe(&h, 1, 2500000);
	assert_int_equal(metric_value(&h, 0), 4);
	char *t = scrape();
	assert_has(t, "# TYPE t_wait_seconds histogram\n");
	assert_has(t, "t_wait_seconds_bucket{colour=\"red\",le=\"0.0005\"} 2\n"
		      "t_wait_seconds_bucket{colour=\"red\",le=\"0.001\"} 3\n"
		      "t_wait_seconds_bucket{colour=\"red\",le=\"2.5\"} 3\n"
		      "t_wait_seconds_bucket{colour=\"red\",le=\"+Inf\"} 4\n"
		      "t_wait_seconds_sum{colour=\"red\"} 9.001001\n"
		      "t_wait_seconds_count{colour=\"red\"} 4\n");
	assert_has(t, "t_wait_seconds_bucket{colour=\"green\",le=\"0.001\"} 0\n"
		      "t_wait_seconds_bucket{colour=\"green\",le=\"2.5\"} 1\n"
		      "t_wait_seconds_bucket{colour=\"green\",le=\"+Inf\"} 1\n"
		      "t_wait_seconds_sum{colour=\"green\"} 2.5\n"
		      "t_wait_seconds_count{colour=\"green\"} 1\n");
	free(t);
	metrics_unregister(&h);

	/* Without labels, the bucket's only label is le. */
	struct metric_family u = {.name = "t_plain_seconds", .help = "Plain.", .kind = METRIC_HISTOGRAM,
				  .buckets = &us_buckets};
	assert_int_equal(metrics_register(&u), 0);
	metric_observe(&u, 0, 1000);
	t = scrape();
	assert_has(t, "t_plain_seconds_bucket{le=\"0.001\"} 1\n");
	assert_has(t, "t_plain_seconds_sum 0.001\nt_plain_seconds_count 1\n");
	free(t);
	metrics_unregister(&u);
}

static void test_skip_zero(void **state)
{
	(void)state;
	struct metric_family f = {.name = "t_sparse_total", .help = "Sparse.", .kind = METRIC_COUNTER,
				  .dims = {&colour}, .ndims = 1, .skip_zero = true};
	struct metric_family h = {.name = "t_sparse_seconds", .help = "Sparse.", .kind = METRIC_HISTOGRAM,
				  .dims = {&colour}, .ndims = 1, .buckets = &us_buckets, .skip_zero = true};
	assert_int_equal(metrics_register(&f), 0);
	assert_int_equal(metrics_register(&h), 0);
	char *t = scrape();
	/* The family is announced even before any series has counted. */
	assert_has(t, "# TYPE t_sparse_total counter\n# HELP t_sparse_seconds");
	assert_lacks(t, "t_sparse_total{");
	assert_lacks(t, "t_sparse_seconds_bucket");
	free(t);
	metric_add(&f, 1, 1);
	metric_observe(&h, 1, 1);
	t = scrape();
	assert_has(t, "t_sparse_total{colour=\"green\"} 1\n");
	assert_lacks(t, "colour=\"red\"");
	assert_has(t, "t_sparse_seconds_count{colour=\"green\"} 1\n");
	free(t);
	metrics_unregister(&f);
	metrics_unregister(&h);
}

static void test_escaping(void **state)
{
	(void)state;
	buf b = BUF_INIT;
	metrics_escape_label(&b, "a\\b\"c\nd}e");
	assert_string_equal(b.data, "a\\\\b\\\"c\\nd}e");
	buf_reset(&b);
	metrics_escape_help(&b, "say \"hi\"\\\nbye");
	assert_string_equal(b.data, "say \"hi\"\\\\\\nbye");
	buf_free(&b);

	static const char *const odd_values[] = {"x\"y\nz\\"};
	static const struct metric_dim odd = {{"v"}, 1, odd_values, 1};
	struct metric_family f = {.name = "t_odd_total", .help = "Odd\nhelp \\.", .kind = METRIC_COUNTER,
				  .dims = {&odd}, .ndims = 1};
	assert_int_equal(metrics_register(&f), 0);
	metric_add(&f, 0, 1);
	char *t = scrape();
	assert_has(t, "# HELP t_odd_total Odd\\nhelp \\\\.\n");
	assert_has(t, "t_odd_total{v=\"x\\\"y\\nz\\\\\"} 1\n");
	free(t);
	metrics_unregister(&f);
}

static void test_bad_families_refused(void **state)
{
	(void)state;
	static const struct metric_dim bad_label = {{"bad-label"}, 1, colour_values, 2};
	static const struct metric_dim reserved = {{"__name"}, 1, colour_values, 2};
	static const struct metric_dim le = {{"le"}, 1, colour_values, 2};
	static const int64_t down[] = {5, 3};
	static const struct metric_buckets unsorted = {down, 2, 3};
	struct metric_family fs[] = {
		{.name = "9starts_with_digit", .help = "x", .kind = METRIC_COUNTER},
		{.name = "has space", .help = "x", .kind = METRIC_COUNTER},
		{.name = "no_help", .kind = METRIC_COUNTER},
		{.name = "t_bad", .help = "x", .kind = METRIC_COUNTER, .dims = {&bad_label}, .ndims = 1},
		{.name = "t_bad", .help = "x", .kind = METRIC_COUNTER, .dims = {&reserved}, .ndims = 1},
		{.name = "t_bad", .help = "x", .kind = METRIC_HISTOGRAM, .dims = {&le}, .ndims = 1, .buckets = &us_buckets},
		{.name = "t_bad", .help = "x", .kind = METRIC_HISTOGRAM, .buckets = &unsorted},
		{.name = "t_bad", .help = "x", .kind = METRIC_HISTOGRAM},
	};
	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
		assert_int_equal(metrics_register(&fs[i]), -1);
	/* A family cannot be registered twice (its cells would be lost), nor a read
	 * gauge, which has no cells (the list would loop). */
	struct metric_family ok = {.name = "t_ok:total", .help = "x", .kind = METRIC_COUNTER};
	assert_int_equal(metrics_register(&ok), 0);
	metric_add(&ok, 0, 2);
	assert_int_equal(metrics_register(&ok), -1);
	assert_int_equal(metric_value(&ok, 0), 2);
	metrics_unregister(&ok);
	struct metric_family rd = {.name = "t_rd", .help = "x", .kind = METRIC_GAUGE, .read = read_seven};
	assert_int_equal(metrics_register(&rd), 0);
	assert_int_equal(metrics_register(&rd), -1);
	char *t = scrape();
	assert_non_null(strstr(t, "t_rd 7\n"));
	assert_null(strstr(strstr(t, "t_rd 7\n") + 1, "t_rd 7\n"));
	free(t);
	metrics_unregister(&rd);
}

static void test_process_metrics(void **state)
{
	(void)state;
	char *t = scrape();
	assert_has(t, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ");
	assert_has(t, "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ");
	assert_has(t, "# TYPE process_open_fds gauge\nprocess_open_fds ");
	assert_has(t, "# TYPE process_cpu_seconds_total counter\n");
	const char *line = "\nprocess_resident_memory_bytes ";
	long rss = atol(strstr(t, line) + strlen(line));
	assert_true(rss > 1024 * 1024);
	free(t);
}

static struct metric_family shared = {.name = "t_shared_total", .help = "Shared.", .kind = METRIC_COUNTER,
				      .dims = {&colour}, .ndims = 1};
static struct metric_family shared_h = {.name = "t_shared_seconds", .help = "Shared.", .kind = METRIC_HISTOGRAM,
					.buckets = &us_buckets};

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		metric_add(&shared, (size_t)(i & 1), 1);
		metric_observe(&shared_h, 0, i % 3 ? 700 : 100);
	}
	return NULL;
}

static void test_concurrent_updates_are_exact(void **state)
{
	(void)state;
	assert_int_equal(metrics_register(&shared), 0);
	assert_int_equal(metrics_register(&shared_h), 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(metric_value(&shared, 0), 200000);
	assert_int_equal(metric_value(&shared, 1), 200000);
	assert_int_equal(metric_value(&shared_h, 0), 400000);
	char *t = scrape();
	/* 4 threads x 33,334 observations of 100 us, x 66,666 of 700 us. */
	assert_has(t, "t_shared_seconds_bucket{le=\"0.0005\"} 133336\n");
	assert_has(t, "t_shared_seconds_sum 199.9984\n");
	free(t);
	metrics_unregister_all();
	t = scrape();
	assert_lacks(t, "t_shared");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_with_labels),
		cmocka_unit_test(test_gauges),
		cmocka_unit_test(test_gauge_read_when_scraped),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_skip_zero),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bad_families_refused),
		cmocka_unit_test(test_process_metrics),
		cmocka_unit_test(test_concurrent_updates_are_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
