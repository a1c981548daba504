/* cli_validate.c - "llmmeta validate SCHEMA [DATA...]": the schema is checked against
 * its meta-schema, then each data file (JSON, or CSV turned into an array of row
 * objects as the web does) against the schema. Needs no configuration and no
 * database. Exit 0 all valid, 1 some data invalid (or unreadable), 2 the schema
 * invalid or unreadable (or a usage error). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_validate.h"
#include "schema/csv.h"
#include "schema/schema.h"

const char validate_usage[] =
	"Usage: llmmeta validate [--json] [--draft 7|2020-12] [--formats] SCHEMA [DATA...]\n"
	"Checks the JSON Schema in the file SCHEMA against its meta-schema, then each DATA\n"
	"file against it. A DATA file ending in .csv (or that is not JSON) is read as CSV:\n"
	"an array of row objects keyed by the header, numbers and booleans typed, empty\n"
	"cells null. The dialect is the schema's $schema (none: 2020-12); --draft overrides\n"
	"it. --formats asserts date, date-time, time, email, hostname, ipv4, ipv6, uri,\n"
	"uuid, regex and json-pointer. Errors are printed one per line,\n"
	"  FILE: /instance/path: message (keyword location)\n"
	"or with --json one object per file: {\"file\",\"valid\",\"errors\":[{\"instanceLocation\",\n"
	"\"keywordLocation\",\"error\"}]}. Exit 0: all valid; 1: some data invalid or\n"
	"unreadable; 2: the schema invalid or unreadable. See docs/schema.md.\n";

/* Reads a whole file; NULL with errno's message in err. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read: %m");
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *data = malloc(cap);
	while (data) {
		if (n == cap) {
			char *d = realloc(data, cap * 2);
			if (!d) {
				free(data);
				data = NULL;
				break;
			}
			data = d;
			cap *= 2;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!data || bad) {
		snprintf(err, errlen, bad ? "cannot read" : "out of memory");
		free(data);
		return NULL;
	}
	*len = n;
	return data;
}

static bool ends_with_csv(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

/* One file's verdict, printed as text or as a JSON line. */
static void report(const char *file, const struct schema_result *res, const char *fatal, bool as_json)
{
	if (as_json) {
		json_t *o = json_pack("{s:s}", "file", file);
		json_t *r = fatal ? json_pack("{s:b,s:[{s:s,s:s,s:s}]}", "valid", 0, "errors", "instanceLocation", "",
					      "keywordLocation", "", "error", fatal)
				  : schema_result_json(res);
		if (!r || json_object_update(o, r) < 0) {
			json_decref(o);
			o = NULL;
		}
		json_decref(r);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (s)
			puts(s);
		else
			printf("{\"file\":null,\"valid\":false,\"errors\":[{\"instanceLocation\":\"\",\"keywordLocation\":\"\","
			       "\"error\":\"out of memory\"}]}\n");
		free(s);
		json_decref(o);
		return;
	}
	if (fatal) {
		printf("%s: %s\n", file, fatal);
		return;
	}
	for (size_t i = 0; i < res->n; i++)
		printf("%s: %s: %s (%s)\n", file, res->errors[i].instance_location, res->errors[i].message,
		       res->errors[i].keyword_location);
	if (res->truncated)
		printf("%s: more than %d errors; the rest are not shown\n", file, SCHEMA_MAX_ERRORS);
	if (res->valid)
		printf("%s: valid\n", file);
}

static json_t *load_data(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *data = slurp(path, &len, err, errlen);
	if (!data)
		return NULL;
	json_t *doc = NULL;
	if (!ends_with_csv(path)) {
		json_error_t jerr;
		doc = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		/* a file named .json that is not JSON is an error, not a CSV table */
		size_t n = strlen(path);
		if (!doc && n >= 5 && strcasecmp(path + n - 5, ".json") == 0)
			snprintf(err, errlen, "not JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		else if (!doc)
			doc = csv_to_json(data, len, NULL, err, errlen);
	} else
		doc = csv_to_json(data, len, NULL, err, errlen);
	free(data);
	return doc;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'}, {"draft", required_argument, 0, 'd'}, {"formats", no_argument, 0, 'f'}, {0}};
	struct schema_opts opts = {0};
	bool as_json = false;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': as_json = true; break;
		case 'f': opts.formats = true; break;
		case 'd':
			if (strcmp(optarg, "7") == 0 || strcmp(optarg, "draft-07") == 0)
				opts.force_draft = SCHEMA_DRAFT_7;
			else if (strcmp(optarg, "2020-12") == 0)
				opts.force_draft = SCHEMA_DRAFT_2020_12;
			else {
				fprintf(stderr, "llmmeta: --draft takes 7 or 2020-12, not '%s'\n", optarg);
				return 2;
			}
			break;
		default: return fputs(validate_usage, stderr), 2;
		}
	}
	if (optind >= argc)
		return fputs(validate_usage, stderr), 2;
	const char *schema_file = argv[optind++];
	char err[512];
	size_t len;
	char *text = slurp(schema_file, &len, err, sizeof err);
	json_t *doc = NULL;
	if (text) {
		json_error_t jerr;
		doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!doc)
			snprintf(err, sizeof err, "not JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		free(text);
	}
	if (!doc) {
		report(schema_file, NULL, err, as_json);
		return 2;
	}
	struct schema_result res;
	if (schema_check(doc, &opts, &res, err, sizeof err) < 0) {
		json_decref(doc);
		report(schema_file, NULL, err, as_json);
		return 2;
	}
	if (!res.valid) {
		report(schema_file, &res, NULL, as_json);
		schema_result_free(&res);
		json_decref(doc);
		return 2;
	}
	schema_result_free(&res);
	schema *s = schema_compile(doc, &opts, err, sizeof err);
	json_decref(doc);
	if (!s) {
		report(schema_file, NULL, err, as_json);
		return 2;
	}
	if (optind >= argc && !as_json)
		printf("%s: a valid schema (%s)\n", schema_file, schema_draft_of(s) == SCHEMA_DRAFT_7 ? "draft-07" : "2020-12");
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		json_t *data = load_data(argv[i], err, sizeof err);
		if (!data) {
			report(argv[i], NULL, err, as_json);
			rc = 1;
			continue;
		}
		if (schema_validate(s, data, &res) < 0) {
			report(argv[i], NULL, "out of memory", as_json);
			rc = 1;
		} else {
			report(argv[i], &res, NULL, as_json);
			if (!res.valid)
				rc = 1;
		}
		schema_result_free(&res);
		json_decref(data);
	}
	schema_free(s);
	if (fflush(stdout) != 0)
		return 2;
	return rc;
}
