/* schema_bench.c - times the JSON Schema validator (src/schema/, release build) for
 * bench/schema.sh: one big document and many small ones (one a line), parsing and
 * validating counted apart; memory as the resident set before and after.
 *   Usage: schema_bench DIR      (DIR: schema.json, big.json, small.jsonl) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../src/schema/schema.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double rss_mb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1e6;
}

static double peak_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1e3;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: schema_bench DIR\n");
		return 2;
	}
	char path[4096], err[512];
	snprintf(path, sizeof path, "%s/schema.json", argv[1]);
	json_t *sj = json_load_file(path, 0, NULL);
	schema *s = sj ? schema_compile(sj, NULL, err, sizeof err) : NULL;
	if (!s) {
		fprintf(stderr, "schema_bench: %s: %s\n", path, sj ? err : "not JSON");
		return 1;
	}
	snprintf(path, sizeof path, "%s/big.json", argv[1]);
	double before = rss_mb();
	double t = now();
	json_t *big = json_load_file(path, 0, NULL);
	double parse = now() - t;
	double doc = rss_mb() - before;
	if (!big) {
		fprintf(stderr, "schema_bench: %s: not JSON\n", path);
		return 1;
	}
	double peak_before = peak_mb();
	struct schema_result r;
	t = now();
	schema_validate(s, big, &r);
	double val = now() - t;
	printf("big: valid=%s parse %.3f s, validate %.3f s, document in memory (jansson) %.1f MB, peak RSS %.1f MB "
	       "(%.1f MB before validating)\n",
	       r.valid ? "True" : "False", parse, val, doc, peak_mb(), peak_before);
	schema_result_free(&r);
	json_decref(big);

	snprintf(path, sizeof path, "%s/small.jsonl", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f)
		return perror(path), 1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long n = 0, valid = 0;
	double tp = 0, tv = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		double t0 = now();
		json_t *d = json_loadb(line, (size_t)len, 0, NULL);
		double t1 = now();
		if (d) {
			schema_validate(s, d, &r);
			valid += r.valid;
			schema_result_free(&r);
		}
		double t2 = now();
		json_decref(d);
		tp += t1 - t0;
		tv += t2 - t1;
		n++;
	}
	free(line);
	fclose(f);
	printf("small: %ld documents, %ld valid; parse %.3f s, validate %.3f s (%.0f documents/s)\n", n, valid, tp, tv,
	       (double)n / tv);
	schema_free(s);
	json_decref(sj);
	return 0;
}
