/* suite.c - runs the official JSON-Schema-Test-Suite against src/schema/.
 *   Usage: schema_suite DRAFT SUITE_DIR [SKIP_FILE]
 * DRAFT is 7 or 2020-12; SUITE_DIR holds tests/<draftdir>/ and remotes/. Every
 * test file is run; the optional/ directory is counted apart (formats asserted
 * under optional/format/, as the suite intends). refRemote's documents,
 * http://localhost:1234/..., are served from remotes/ through the validator's
 * resolver hook: nothing touches the network. SKIP_FILE lists tests not run, one a
 * line "file<TAB>case description<TAB>test description<TAB>reason" (file relative to
 * the draft's directory; "*" as test description skips the whole case).
 * Prints each failure, each skip as "skip: ...: reason", and the figures:
 *   required: N passed, N failed, N skipped
 *   optional: N passed, N failed, N skipped
 * Exit 1 when a required test failed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/schema/schema.h"

struct counts {
	int pass, fail, skip;
};

static const char *remotes_dir;
static char *skips_text;
static int verbose;

static json_t *resolve_remote(const char *uri, void *ctx)
{
	(void)ctx;
	const char *prefix = "http://localhost:1234/";
	if (strncmp(uri, prefix, strlen(prefix)) != 0)
		return NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", remotes_dir, uri + strlen(prefix));
	return json_load_file(path, 0, NULL);
}

/* The reason a test is skipped, or NULL. */
static const char *skipped(const char *file, const char *group, const char *test, char *reason, size_t n)
{
	if (!skips_text)
		return NULL;
	char *save = NULL, *copy = strdup(skips_text);
	const char *found = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *f[4] = {0};
		char *s2 = NULL;
		int k = 0;
		for (char *t = strtok_r(line, "\t", &s2); t && k < 4; t = strtok_r(NULL, "\t", &s2))
			f[k++] = t;
		if (k == 4 && strcmp(f[0], file) == 0 && strcmp(f[1], group) == 0 &&
		    (strcmp(f[2], "*") == 0 || strcmp(f[2], test) == 0)) {
			snprintf(reason, n, "%s", f[3]);
			found = reason;
		}
	}
	free(copy);
	return found;
}

static void run_file(const char *path, const char *rel, int draft, struct counts *c)
{
	json_error_t jerr;
	json_t *groups = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	bool formats = strncmp(rel, "optional/format/", 16) == 0;
	if (!json_is_array(groups)) {
		/* a file jansson cannot read (integers beyond 64 bits) */
		printf("skip: %s: the whole file: jansson cannot parse it (%s)\n", rel, jerr.text);
		c->skip++;
		json_decref(groups);
		return;
	}
	size_t gi;
	json_t *g;
	json_array_foreach(groups, gi, g) {
		const char *gdesc = json_string_value(json_object_get(g, "description"));
		json_t *tests = json_object_get(g, "tests");
		struct schema_opts opts = {.default_draft = (enum schema_draft)draft, .formats = formats,
					   .resolve = resolve_remote};
		char err[512];
		schema *s = NULL;
		bool compiled = false;
		size_t ti;
		json_t *t;
		json_array_foreach(tests, ti, t) {
			const char *tdesc = json_string_value(json_object_get(t, "description"));
			char reason[512];
			if (skipped(rel, gdesc, tdesc, reason, sizeof reason)) {
				printf("skip: %s: %s: %s: %s\n", rel, gdesc, tdesc, reason);
				c->skip++;
				continue;
			}
			if (!compiled) {
				s = schema_compile(json_object_get(g, "schema"), &opts, err, sizeof err);
				compiled = true;
			}
			bool want = json_is_true(json_object_get(t, "valid"));
			bool got;
			struct schema_result res;
			if (!s) {
				printf("FAIL %s: %s: %s: the schema did not compile: %s\n", rel, gdesc, tdesc, err);
				c->fail++;
				continue;
			}
			schema_validate(s, json_object_get(t, "data"), &res);
			got = res.valid;
			/* a valid result lists no error; an invalid one lists at least one */
			bool shape = got ? res.n == 0 : (res.n > 0 || res.truncated);
			if (got == want && shape) {
				c->pass++;
				if (verbose)
					printf("ok   %s: %s: %s\n", rel, gdesc, tdesc);
			} else {
				c->fail++;
				printf("FAIL %s: %s: %s: expected %s, got %s%s\n", rel, gdesc, tdesc, want ? "valid" : "invalid",
				       got ? "valid" : "invalid", shape ? "" : " (errors do not match the result)");
				for (size_t i = 0; i < res.n && i < 3; i++)
					printf("       %s: %s (%s)\n", res.errors[i].instance_location, res.errors[i].message,
					       res.errors[i].keyword_location);
			}
			schema_result_free(&res);
		}
		schema_free(s);
	}
	json_decref(groups);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir, const char *rel, int draft, struct counts *req, struct counts *opt)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("FAIL cannot open %s\n", dir);
		req->fail++;
		return;
	}
	char *names[512];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 512)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	for (size_t i = 0; i < n; i++) {
		char path[4096], r[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(path, r, draft, req, opt);
		else if (strlen(names[i]) > 5 && strcmp(names[i] + strlen(names[i]) - 5, ".json") == 0)
			run_file(path, r, draft, strncmp(r, "optional/", 9) == 0 ? opt : req);
		free(names[i]);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: schema_suite 7|2020-12 SUITE_DIR [SKIP_FILE]\n");
		return 2;
	}
	verbose = getenv("SUITE_VERBOSE") != NULL;
	int draft = strcmp(argv[1], "7") == 0 ? SCHEMA_DRAFT_7 : SCHEMA_DRAFT_2020_12;
	const char *dname = draft == SCHEMA_DRAFT_7 ? "draft7" : "draft2020-12";
	static char remotes[4096], tests[4096];
	snprintf(remotes, sizeof remotes, "%s/remotes", argv[2]);
	snprintf(tests, sizeof tests, "%s/tests/%s", argv[2], dname);
	remotes_dir = remotes;
	if (argc > 3) {
		FILE *f = fopen(argv[3], "r");
		if (f) {
			fseek(f, 0, SEEK_END);
			long len = ftell(f);
			rewind(f);
			skips_text = calloc(1, (size_t)len + 1);
			if (skips_text && fread(skips_text, 1, (size_t)len, f) != (size_t)len)
				skips_text[0] = 0;
			fclose(f);
		}
	}
	struct counts req = {0}, opt = {0};
	run_dir(tests, "", draft, &req, &opt);
	printf("required: %d passed, %d failed, %d skipped\n", req.pass, req.fail, req.skip);
	printf("optional: %d passed, %d failed, %d skipped\n", opt.pass, opt.fail, opt.skip);
	free(skips_text);
	return req.fail ? 1 : 0;
}
