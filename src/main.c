/* main.c - the command line: serve, migrate, createuser, setadmin, export,
 * import-django, apikey, validate (cli_validate.c), help [COMMAND], --help,
 * --version. Each
 * command exits 0 on success, or non-zero with one line saying what is wrong. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "auth/auth.h"
#include "cli_validate.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "db/migrate.h"
#include "model/admin_flag.h"
#include "model/user.h"
#include "model/export.h"
#include "model/import.h"
#include "html/layout.h"
#include "llm/llm.h"
#include "http/http.h"
#include "web/ask/ask.h"
#include "web/app/app.h"
#include "web/instance.h"

static const char usage[] =
	"llmmeta - ask large language models and keep every exchange with its metadata\n"
	"\n"
	"Usage: llmmeta COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  serve [--port N] [--bind ADDR]   migrate the database, then serve the web application\n"
	"  migrate                          apply the database migrations and exit\n"
	"  createuser --username U --email E [--admin] [--password-stdin]\n"
	"                                   create an account (the password is asked for)\n"
	"  setadmin USERNAME on|off         grant or take away the administrator right\n"
	"  export --format csv|jsonl [--user U] [--since D] [--until D] [--model M]\n"
	"                                   write the recorded messages to standard output\n"
	"  import-django [--media DIR] URL  import the Django app's users and messages\n"
	"  apikey --username U --name N [--expires-days D]\n"
	"                                   create an API key for U and print it\n"
	"  validate [--json] [--draft 7|2020-12] [--formats] SCHEMA [DATA...]\n"
	"                                   check a JSON Schema, then JSON or CSV data against it\n"
	"  help [COMMAND]                   this text, or what 'llmmeta COMMAND --help' prints\n"
	"\n"
	"Options:\n"
	"  --help       this text\n"
	"  --version    print the version\n"
	"\n"
	"Configuration comes from the environment: PORT, BIND, DATABASE_URL, SECRET_KEY,\n"
	"PUBLIC_URL, DATA_DIR, MAX_UPLOAD_BYTES, MAX_CONTEXT_CHARS, TRUST_PROXY, THREADS\n"
	"(see llmmeta(1) or README.md). The default database is SQLite in ./data/llmmeta.db.\n";

static const char serve_usage[] =
	"Usage: llmmeta serve [--port N] [--bind ADDR]\n"
	"Applies pending migrations, then serves http://BIND:PORT/ until SIGTERM or SIGINT.\n"
	"--port and --bind override PORT (default 8000; 0 picks a free port) and BIND\n"
	"(default 127.0.0.1).\n";
static const char migrate_usage[] = "Usage: llmmeta migrate\nApplies the pending database migrations of DATABASE_URL.\n";
static const char createuser_usage[] =
	"Usage: llmmeta createuser --username U --email E [--admin] [--password-stdin]\n"
	"Creates an account. The password is asked for on the terminal, or read from the\n"
	"first line of standard input with --password-stdin. --admin makes an administrator.\n";

static const char setadmin_usage[] =
	"Usage: llmmeta setadmin USERNAME on|off\n"
	"Grants (on) or takes away (off) the administrator right of the user USERNAME, for\n"
	"when no administrator can log in to do it.\n";

static const char import_usage[] =
	"Usage: llmmeta import-django [--media DIR] DATABASE_URL\n"
	"Imports the users (auth_user) and messages (conversations) of the Django app's\n"
	"database, sqlite:///path/to/db.sqlite3 or postgres://..., which is only read.\n"
	"Users keep their passwords; a user imported before is skipped, and so is a\n"
	"username that exists here (never merged). Uploaded files are read from DIR (the\n"
	"Django app's MEDIA_ROOT); a file not found is reported. Each user is imported in\n"
	"one transaction: an interrupted import can be run again. See docs/import.md.\n";

static const char export_usage[] =
	"Usage: llmmeta export --format csv|jsonl [--user U] [--since D] [--until D] [--model M]\n"
	"Writes the recorded messages to standard output, oldest first: CSV (RFC 4180, a\n"
	"header row, CRLF line ends; a text field starting with = + - @ tab or CR gets a\n"
	"leading ' so that spreadsheets do not run it as a formula) or JSON lines.\n"
	"Without --user, every user's messages. --since and --until take a date (YYYY-MM-DD,\n"
	"UTC; --until includes that day) or an ISO 8601 time (2026-01-31T12:00:00Z).\n"
	"--model keeps the messages asked of that model. See docs/export.md.\n";

static const char apikey_usage[] =
	"Usage: llmmeta apikey --username U --name N [--expires-days D]\n"
	"Creates an API key for the user U (for the OpenAI-compatible API at /v1/, see\n"
	"docs/api.md), named N, expiring after D days (1 to 3650; default never), and\n"
	"prints it on standard output, alone on its line. It is not shown again: only its\n"
	"SHA-256 is kept. Users make and revoke their own keys at /accounts/keys/.\n";

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "llmmeta: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* Loads the configuration and opens the database, applying migrations. */
static db *open_db(bool need_secret)
{
	char err[512];
	if (config_load(&cfg, need_secret, err, sizeof err) < 0) {
		die("%s", err);
		return NULL;
	}
	db *d = db_open(cfg.database_url, err, sizeof err);
	if (!d) {
		die("DATABASE_URL: %s", err);
		return NULL;
	}
	if (db_migrate(d) < 0) {
		die("%s", db_errmsg(d));
		db_close(d);
		return NULL;
	}
	return d;
}

/* Every connection in flight holds a socket, and so does every provider call:
 * take all the descriptors the system allows this process. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {{"port", required_argument, 0, 'p'}, {"bind", required_argument, 0, 'b'}, {0}};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'p')
			setenv("PORT", optarg, 1);
		else if (c == 'b')
			setenv("BIND", optarg, 1);
		else
			return fputs(serve_usage, stderr), 2;
	}
	/* SIGTERM and SIGINT are taken by http_serve's sigwait: every thread started from
	 * here on (engine, lease, log) must have them blocked, or the signal kills it. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	db *d = open_db(true);
	if (!d)
		return 1;
	db_close(d);
	char err[512];
	if (llm_config_load(err, sizeof err) < 0)
		return die("%s", err);
	if (db_thread_init(cfg.database_url) < 0 || llm_engine_start() < 0)
		return die("%s", "cannot start (out of memory or threads)");
	if (instance_start() < 0)
		return die("%s", "cannot register this server in the database (see the log)");
	raise_fd_limit();
	app_init();
	struct http_options o = {.bind = cfg.bind, .port = cfg.port, .threads = cfg.threads,
				 .max_body = cfg.max_upload_bytes, .body_limit = app_body_limit,
				 .log_user = app_log_user,
				 .per_ip_connections = cfg.per_ip_connections,
				 /* a UTF-8 character is at most 4 bytes: a longer file is refused anyway */
				 .file_keep = cfg.max_context_chars * 4 + 4, .max_receiving = cfg.max_receiving_bytes,
				 .max_connections = cfg.max_connections, .trust_proxy = cfg.trust_proxy, .handler = app_handle,
				 .before_stop = app_stop};
	int rc = http_serve(&o);
	app_shutdown();
	db_thread_close();
	llm_config_free();
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}

static int cmd_migrate(void)
{
	db *d = open_db(false);
	if (!d)
		return 1;
	printf("llmmeta: database at schema version %d\n", db_schema_version());
	db_close(d);
	config_free(&cfg);
	return 0;
}

/* Reads a password from the terminal without echo, or one line from stdin. */
static int read_password(bool from_stdin, char *out, size_t len)
{
	struct termios old, quiet;
	bool tty = !from_stdin && isatty(STDIN_FILENO);
	if (!from_stdin && !tty)
		return -1;
	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *ok = fgets(out, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int create(db *d, const char *username, const char *email, bool admin, const char *pw)
{
	struct account_errors e = {0};
	int64_t id = 0;
	struct new_account a = {.username = username, .email = email, .password1 = pw, .admin = admin};
	int rc = auth_create_account(d, &a, &e, &id);
	if (rc == 1) {
		printf("llmmeta: created %s%s (id %lld)\n", admin ? "administrator " : "user ", username, (long long)id);
	} else if (rc == 0) {
		const char *why = account_first_error(&e);
		die("%.*s", (int)strcspn(why, "\n"), why);
	} else {
		die("cannot save the user: %s", db_errmsg(d));
	}
	account_errors_free(&e);
	return rc == 1 ? 0 : 1;
}

static int cmd_createuser(int argc, char **argv)
{
	static const struct option longopts[] = {{"username", required_argument, 0, 'u'},
						 {"email", required_argument, 0, 'e'},
						 {"admin", no_argument, 0, 'a'},
						 {"password-stdin", no_argument, 0, 's'},
						 {0}};
	const char *username = NULL, *email = NULL;
	bool admin = false, from_stdin = false;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': username = optarg; break;
		case 'e': email = optarg; break;
		case 'a': admin = true; break;
		case 's': from_stdin = true; break;
		default: return fputs(createuser_usage, stderr), 2;
		}
	}
	if (!username || !email)
		return die("%s", "createuser needs --username and --email (see llmmeta createuser --help)");
	char pw[1024];
	if (read_password(from_stdin, pw, sizeof pw) < 0)
		return die("%s", "no password given (type it at the prompt, or use --password-stdin)");
	db *d = open_db(false);
	int rc = d ? create(d, username, email, admin, pw) : 1;
	sodium_memzero(pw, sizeof pw);
	db_close(d);
	config_free(&cfg);
	return rc;
}

static int cmd_setadmin(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "on") != 0 && strcmp(argv[2], "off") != 0))
		return die("%s", "setadmin takes a USERNAME and on or off (see llmmeta setadmin --help)");
	const char *name = argv[1];
	bool on = strcmp(argv[2], "on") == 0;
	db *d = open_db(false);
	if (!d)
		return 1;
	int rc = user_set_admin_by_name(d, name, on);
	if (rc == 1)
		printf("llmmeta: %s %s\n", name, on ? "is now an administrator" : "is no longer an administrator");
	else if (rc == 0)
		printf("llmmeta: %s %s: nothing changed\n", name, on ? "was already an administrator" : "was not an administrator");
	else if (rc == -2)
		die("no user named %s", name);
	else
		die("cannot change the user: %s", db_errmsg(d));
	db_close(d);
	config_free(&cfg);
	return rc >= 0 ? 0 : 1;
}

static int cmd_apikey(int argc, char **argv)
{
	static const struct option longopts[] = {{"username", required_argument, 0, 'u'},
						 {"name", required_argument, 0, 'n'},
						 {"expires-days", required_argument, 0, 'e'},
						 {0}};
	const char *username = NULL, *name = NULL;
	int64_t days = -1;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': username = optarg; break;
		case 'n': name = optarg; break;
		case 'e':
			if (!parse_int64(optarg, 1, 3650, &days))
				return die("--expires-days %s: a whole number of days from 1 to 3650", optarg);
			break;
		default: return fputs(apikey_usage, stderr), 2;
		}
	}
	if (optind < argc || !username || !name)
		return die("%s", "apikey needs --username and --name (see llmmeta apikey --help)");
	if (!*name || strlen(name) > 100)
		return die("%s", "--name: from 1 to 100 characters");
	db *d = open_db(false);
	if (!d)
		return 1;
	struct user u = {0};
	int found = user_by_login(d, username, &u);
	int rc = 1;
	char key[APIKEY_LEN + 1];
	int64_t id;
	if (found < 0)
		die("cannot read the users: %s", db_errmsg(d));
	else if (found == 0 || strcasecmp(u.username, username) != 0)
		die("no user named %s", username);
	else if (!u.is_active)
		die("%s is not active: a key of theirs would be refused", username);
	else if (auth_apikey_create(d, u.id, name, days > 0 ? now_ms() + days * 86400000LL : -1, key, &id) < 0)
		die("cannot save the key: %s", db_errmsg(d));
	else if (printf("%s\n", key) < 0 || fflush(stdout) != 0)
		die("%s", "cannot write to standard output");
	else
		rc = 0;
	sodium_memzero(key, sizeof key);
	user_clear(&u);
	db_close(d);
	config_free(&cfg);
	return rc;
}

/* Where import-django finds the Django app's uploaded files (its MEDIA_ROOT), as a
 * resolved path: NULL when --media was not given. */
struct media {
	char *root;
};

/* import_file_fn: the file at the Django path `path` under the media directory, as
 * an upload would be kept: its name, the content type the ask form gives its
 * extension, its bytes. Only files inside the directory are read, and none larger
 * than an upload may be. */
static int media_file(void *ctx, const char *path, buf *data, const char **name, const char **type, buf *why)
{
	struct media *m = ctx;
	if (!m->root)
		return buf_puts(why, "not found (no --media directory given)"), 0;
	if (*path == '/' || strcmp(path, "..") == 0 || str_starts(path, "../") || strstr(path, "/../") ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
		return buf_puts(why, "the path leaves the media directory"), 0;
	buf full = BUF_INIT;
	buf_printf(&full, "%s/%s", m->root, path);
	if (full.oom)
		return -1;
	char *real = realpath(full.data, NULL);
	buf_free(&full);
	size_t rl = strlen(m->root);
	if (!real)
		return buf_printf(why, "not found in %s (%s)", m->root, strerror(errno)), 0;
	int rc = 0;
	struct stat sb;
	FILE *f = NULL;
	if (strncmp(real, m->root, rl) != 0 || real[rl] != '/')
		buf_puts(why, "a link out of the media directory");
	else if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode))
		buf_puts(why, "not a regular file");
	else if ((uint64_t)sb.st_size > cfg.max_upload_bytes)
		buf_printf(why, "%lld bytes, more than MAX_UPLOAD_BYTES (%zu)", (long long)sb.st_size, cfg.max_upload_bytes);
	else if (!(f = fopen(real, "rb")))
		buf_printf(why, "cannot be read (%s)", strerror(errno));
	else {
		char chunk[65536];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(data, chunk, got);
		rc = data->oom ? -1 : ferror(f) ? (buf_puts(why, "read error"), 0) : 1;
		fclose(f);
	}
	free(real);
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	*type = ask_file_type(*name);
	return rc;
}

static void print_note(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {{"media", required_argument, 0, 'm'}, {0}};
	struct media media = {0};
	const char *media_dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'm')
			media_dir = optarg;
		else
			return fputs(import_usage, stderr), 2;
	}
	if (optind != argc - 1)
		return fputs(import_usage, stderr), 2;
	if (media_dir && !(media.root = realpath(media_dir, NULL)))
		return die("--media %s: %s", media_dir, strerror(errno));
	char err[512];
	db *src = import_open_source(argv[optind], err, sizeof err);
	if (!src) {
		free(media.root);
		return die("the Django database: %s", err);
	}
	db *d = open_db(false);
	int rc = 1;
	if (d) {
		struct import_stats st;
		if (import_django(d, src, media_file, print_note, &media, &st) < 0) {
			die("%s", db_errmsg(d));
		} else {
			printf("llmmeta: imported %lld users, %lld conversations, %lld messages, %lld files; skipped %lld users, "
			       "%lld messages; %lld files not found; %lld users failed\n",
			       (long long)st.users, (long long)st.conversations, (long long)st.messages, (long long)st.files,
			       (long long)st.users_skipped, (long long)st.messages_skipped, (long long)st.files_missing,
			       (long long)st.users_failed);
			rc = st.users_failed ? 1 : 0;
		}
	}
	fflush(stdout);
	db_close(d);
	db_close(src);
	free(media.root);
	config_free(&cfg);
	return rc;
}

struct cli_export {
	buf out;
	enum export_format fmt;
};

/* Writes the rows out 64 KiB at a time: memory stays flat whatever the size. */
static int cli_row(void *ctx, const struct export_row *row)
{
	struct cli_export *e = ctx;
	export_row_write(&e->out, e->fmt, row);
	if (e->out.oom)
		return -1;
	if (e->out.len >= 64 * 1024) {
		if (fwrite(e->out.data, 1, e->out.len, stdout) != e->out.len)
			return -2;
		buf_reset(&e->out);
	}
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, {"user", required_argument, 0, 'u'},
						 {"since", required_argument, 0, 's'}, {"until", required_argument, 0, 't'},
						 {"model", required_argument, 0, 'm'}, {0}};
	const char *format = NULL, *user = NULL;
	struct export_filter f = {.since_ms = -1, .until_ms = -1};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'u': user = optarg; break;
		case 's':
			if (!export_parse_time(optarg, false, &f.since_ms))
				return die("--since %s: give a date (YYYY-MM-DD) or an ISO 8601 time", optarg);
			break;
		case 't':
			if (!export_parse_time(optarg, true, &f.until_ms))
				return die("--until %s: give a date (YYYY-MM-DD) or an ISO 8601 time", optarg);
			break;
		case 'm': f.model = optarg; break;
		default: return fputs(export_usage, stderr), 2;
		}
	}
	if (optind < argc || !format || (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0))
		return fputs(export_usage, stderr), 2;
	db *d = open_db(false);
	if (!d)
		return 1;
	int rc = 0;
	if (user) {
		int found = export_user_id(d, user, &f.user_id);
		if (found <= 0)
			rc = die(found < 0 ? "cannot read the users: %s" : "no user named %s", found < 0 ? db_errmsg(d) : user);
	}
	struct cli_export e = {.fmt = strcmp(format, "csv") == 0 ? EXPORT_CSV : EXPORT_JSONL};
	if (!rc) {
		export_header(&e.out, e.fmt);
		int n = export_each(d, &f, cli_row, &e);
		if (n == 0 && e.out.len && fwrite(e.out.data, 1, e.out.len, stdout) != e.out.len)
			n = -2;
		if (n == 0 && fflush(stdout) != 0)
			n = -2;
		if (n == -2)
			rc = die("%s", "cannot write to standard output");
		else if (n < 0)
			rc = die("the export failed: %s", e.out.oom ? "out of memory" : db_errmsg(d));
	}
	buf_free(&e.out);
	db_close(d);
	config_free(&cfg);
	return rc;
}

/* Each command's help text: 'llmmeta COMMAND --help' and 'llmmeta help COMMAND'
 * print the same one. */
static const struct {
	const char *name;
	const char *help;
} cmds[] = {{"serve", serve_usage}, {"migrate", migrate_usage}, {"createuser", createuser_usage},
	    {"export", export_usage}, {"setadmin", setadmin_usage}, {"import-django", import_usage},
	    {"apikey", apikey_usage}, {"validate", validate_usage}};

static const char *command_help(const char *name)
{
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(name, cmds[i].name) == 0)
			return cmds[i].help;
	return NULL;
}

/* llmmeta help [COMMAND]: the overview, or one command's text. */
static int cmd_help(int argc, char **argv)
{
	if (argc < 2)
		return fputs(usage, stdout), 0;
	const char *help = command_help(argv[1]);
	if (argc > 2 || !help)
		return die("no command '%s' (see llmmeta help)", argv[1]), 2;
	return fputs(help, stdout), 0;
}

int main(int argc, char **argv)
{
	umask(077); /* the database, its journal and the secret are nobody else's */
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return die("%s", "libsodium or libcurl cannot start");
	if (argc < 2)
		return fputs(usage, stderr), 2;
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return fputs(usage, stdout), 0;
	if (strcmp(cmd, "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
		return printf("llmmeta %s\n", LLMMETA_VERSION), 0;
	const char *help = command_help(cmd);
	if (help && wants_help(argc - 1, argv + 1))
		return fputs(help, stdout), 0;
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "createuser") == 0)
		return cmd_createuser(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(cmd, "setadmin") == 0)
		return cmd_setadmin(argc - 1, argv + 1);
	if (strcmp(cmd, "import-django") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(cmd, "apikey") == 0)
		return cmd_apikey(argc - 1, argv + 1);
	if (strcmp(cmd, "validate") == 0)
		return cmd_validate(argc - 1, argv + 1);
	return die("unknown command '%s' (see llmmeta --help)", cmd);
}
