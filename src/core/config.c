/* config.c - reads and validates the environment (README, "Configuration"). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailmsg.h"
#include "util.h"

struct config cfg;

static bool valid_db_url(const char *u)
{
	if (str_starts(u, "sqlite://"))
		return u[9] != '\0';
	const char *rest = str_starts(u, "postgres://")	  ? u + 11
			   : str_starts(u, "postgresql://") ? u + 13
							    : NULL;
	return rest && *rest && !strpbrk(rest, " \t\r\n");
}

/* Reads data_dir/secret_key, or creates it with 32 random bytes (hex) readable only by
 * this user. Good for one machine; several instances must share SECRET_KEY. */
static int local_secret(struct config *c, char *out, size_t outlen, char *err, size_t errlen)
{
	if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST)
		return errf(err, errlen, "SECRET_KEY: not set, and %s cannot be created: %s", c->data_dir,
			    strerror(errno));
	char path[4096];
	snprintf(path, sizeof path, "%s/secret_key", c->data_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, out, outlen - 1);
		close(fd);
		out[n > 0 ? n : 0] = '\0';
		if (strlen(str_trim(out)) < 32)
			return errf(err, errlen, "SECRET_KEY: %s holds fewer than 32 characters", path);
		return 0;
	}
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, outlen, raw, sizeof raw);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, out, strlen(out)) != (ssize_t)strlen(out)) {
		if (fd >= 0)
			close(fd);
		return errf(err, errlen, "SECRET_KEY: not set, and %s cannot be written", path);
	}
	close(fd);
	return 0;
}

static int load_secret(struct config *c, bool need, char *err, size_t errlen)
{
	const char *v = env_or("SECRET_KEY", NULL, NULL);
	char local[256];
	if (v) {
		if (strlen(v) < 32)
			return errf(err, errlen, "SECRET_KEY: must be at least 32 characters long");
	} else if (!need) {
		v = "unset-secret-for-commands-that-sign-nothing";
	} else if (c->https) {
		return errf(err, errlen, "SECRET_KEY: required when PUBLIC_URL is https");
	} else {
		if (local_secret(c, local, sizeof local, err, errlen) < 0)
			return -1;
		v = local;
	}
	crypto_hash_sha256(c->secret, (const unsigned char *)v, strlen(v));
	sodium_memzero(local, sizeof local);
	return 0;
}

/* A setting that is 0 (the default) or 1. */
static int load_flag(const char *name, bool *out, char *err, size_t errlen)
{
	const char *v = env_or(name, NULL, "0");
	if (strcmp(v, "0") && strcmp(v, "1"))
		return errf(err, errlen, "%s: expected 0 or 1: '%s'", name, v);
	*out = v[0] == '1';
	return 0;
}

static int load_size(const char *name, const char *def, int64_t max, size_t *out, char *err, size_t errlen)
{
	const char *v = env_or(name, NULL, def);
	int64_t n;
	if (!parse_int64(v, 1, max, &n))
		return errf(err, errlen, "%s: not a whole number from 1 to %lld: '%s'", name, (long long)max, v);
	*out = (size_t)n;
	return 0;
}

/* SMTP_URL: smtp://[user:password@]host[:port][/helo-name][?starttls] or smtps://...
 * (docs/accounts.md). Only the shape is checked here; the server is first reached
 * when a mail is sent. */
static int load_smtp(struct config *c, char *err, size_t errlen)
{
	const char *url = env_or("SMTP_URL", NULL, NULL);
	if (!url)
		return 0;
	/* The URL holds the password: the messages below never repeat it. */
	const char *rest = str_starts(url, "smtp://") ? url + 7 : str_starts(url, "smtps://") ? url + 8 : NULL;
	if (!rest)
		return errf(err, errlen, "SMTP_URL: must start with smtp:// or smtps://");
	const char *host = strrchr(rest, '@'), *q = strchr(rest, '?');
	host = host && (!q || host < q) ? host + 1 : rest;
	if (!*host || *host == '/' || *host == ':' || *host == '?')
		return errf(err, errlen, "SMTP_URL: no host");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return errf(err, errlen, "SMTP_URL: white space or a control character in the URL");
	if (q && strcmp(q, "?starttls") != 0)
		return errf(err, errlen, "SMTP_URL: the only option is ?starttls");
	if (q && rest == url + 8)
		return errf(err, errlen, "SMTP_URL: ?starttls is for smtp://; smtps:// is TLS from the start");
	const char *from = env_or("SMTP_FROM", "MAIL_FROM", NULL);
	if (!from)
		return errf(err, errlen, "SMTP_FROM: required with SMTP_URL (e.g. \"llmmeta <noreply@example.org>\")");
	buf name = BUF_INIT, addr = BUF_INIT;
	int ok = mailmsg_mailbox(from, &name, &addr);
	buf_free(&name);
	buf_free(&addr);
	if (ok < 0)
		return errf(err, errlen, "SMTP_FROM: not an address or \"Name <address>\": '%s'", from);
	const char *ca = env_or("SMTP_CA_FILE", NULL, NULL);
	if (ca && access(ca, R_OK) != 0)
		return errf(err, errlen, "SMTP_CA_FILE: cannot read %s: %s", ca, strerror(errno));
	c->smtp_url = xstrdup(url);
	c->smtp_from = xstrdup(from);
	c->smtp_ca_file = ca ? xstrdup(ca) : NULL;
	return c->smtp_url && c->smtp_from && (!ca || c->smtp_ca_file) ? 0 : errf(err, errlen, "out of memory");
}

/* ---- sign-in providers (docs/sign-in.md) ---- */

bool config_url_ok(const char *u)
{
	/* Nothing that could end a header or a Content-Security-Policy source list. */
	if (strpbrk(u, " \t\r\n\"'<>\\;,"))
		return false;
	if (str_starts(u, "https://"))
		return u[8] != '\0';
	return str_starts(u, "http://127.0.0.1:") || str_starts(u, "http://localhost:") || str_starts(u, "http://[::1]:");
}

/* A client: id and secret both or neither. The names are docs/sign-in.md's, each
 * with the alias the product contract gives (OAUTH_GOOGLE_CLIENT_ID, ...). */
static int load_client(struct config_oauth_client *cl, const char *id_var, const char *id_alias,
		       const char *secret_var, const char *secret_alias, char *err, size_t errlen)
{
	const char *id = env_or(id_var, id_alias, NULL), *secret = env_or(secret_var, secret_alias, NULL);
	if (!id != !secret)
		return errf(err, errlen, "%s: set %s and %s together (or neither)", id ? secret_var : id_var, id_var,
			    secret_var);
	if (!id)
		return 0;
	cl->id = xstrdup(id);
	cl->secret = xstrdup(secret);
	return cl->id && cl->secret ? 0 : errf(err, errlen, "out of memory");
}

/* A URL setting; trailing slashes are dropped unless keep_slash (an issuer is an
 * identifier compared as it is spelled, Auth0's ending in '/'). */
static int load_url_as(char **out, const char *var, const char *def, bool keep_slash, char *err, size_t errlen)
{
	const char *v = env_or(var, NULL, def);
	if (!v)
		return 0;
	if (!config_url_ok(v))
		return errf(err, errlen, "%s: must be an https:// URL (http:// only to 127.0.0.1 or localhost): '%s'", var, v);
	*out = xstrdup(v);
	if (!*out)
		return errf(err, errlen, "out of memory");
	size_t n = strlen(*out);
	while (!keep_slash && n > 8 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	return 0;
}

static int load_url(char **out, const char *var, const char *def, char *err, size_t errlen)
{
	return load_url_as(out, var, def, false, err, errlen);
}

static int load_sign_in(struct config *c, char *err, size_t errlen)
{
	if (load_client(&c->google, "GOOGLE_CLIENT_ID", "OAUTH_GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET",
			"OAUTH_GOOGLE_CLIENT_SECRET", err, errlen) < 0 ||
	    load_client(&c->github, "GITHUB_CLIENT_ID", "OAUTH_GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET",
			"OAUTH_GITHUB_CLIENT_SECRET", err, errlen) < 0 ||
	    load_client(&c->oidc, "OIDC_CLIENT_ID", NULL, "OIDC_CLIENT_SECRET", NULL, err, errlen) < 0 ||
	    load_url_as(&c->oidc_issuer, "OIDC_ISSUER", NULL, true, err, errlen) < 0 ||
	    load_url(&c->github_url, "OAUTH_GITHUB_URL", "https://github.com", err, errlen) < 0 ||
	    load_url(&c->github_api_url, "OAUTH_GITHUB_API_URL", "https://api.github.com", err, errlen) < 0)
		return -1;
	if (!c->oidc_issuer != !c->oidc.id)
		return errf(err, errlen, "%s: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together",
			    c->oidc_issuer ? "OIDC_CLIENT_ID" : "OIDC_ISSUER");
	const char *name = env_or("OIDC_NAME", NULL, "OpenID Connect");
	if (strlen(name) > 64)
		return errf(err, errlen, "OIDC_NAME: at most 64 characters");
	c->oidc_name = xstrdup(name);
	return c->oidc_name ? 0 : errf(err, errlen, "out of memory");
}

int config_load(struct config *c, bool need_secret, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	int64_t n;

	const char *port = env_or("PORT", NULL, "8000");
	if (!parse_int64(port, 0, 65535, &n))
		return errf(err, errlen, "PORT: not a port number (0-65535): '%s'", port);
	c->port = (int)n;

	if (!(c->bind = xstrdup(env_or("BIND", NULL, "127.0.0.1"))))
		return errf(err, errlen, "out of memory");
	unsigned char addr[16];
	if (inet_pton(AF_INET, c->bind, addr) != 1 && inet_pton(AF_INET6, c->bind, addr) != 1)
		return errf(err, errlen, "BIND: not an IPv4 or IPv6 address: '%s'", c->bind);

	c->data_dir = xstrdup(env_or("DATA_DIR", NULL, "./data"));
	c->database_url = xstrdup(env_or("DATABASE_URL", NULL, "sqlite://./data/llmmeta.db"));
	if (!c->data_dir || !c->database_url)
		return errf(err, errlen, "out of memory");
	if (!valid_db_url(c->database_url))
		return errf(err, errlen, "DATABASE_URL: expected sqlite:///path/to.db or postgres://user:pass@host:port/db");

	const char *pub = env_or("PUBLIC_URL", NULL, NULL);
	char dflt[128];
	snprintf(dflt, sizeof dflt, "http://127.0.0.1:%d", c->port);
	if (pub && !str_starts(pub, "http://") && !str_starts(pub, "https://"))
		return errf(err, errlen, "PUBLIC_URL: must start with http:// or https://: '%s'", pub);
	if (!(c->public_url = xstrdup(pub ? pub : dflt)))
		return errf(err, errlen, "out of memory");
	size_t pl = strlen(c->public_url);
	while (pl > 8 && c->public_url[pl - 1] == '/')
		c->public_url[--pl] = '\0';
	c->https = str_starts(c->public_url, "https://");

	if (load_size("MAX_UPLOAD_BYTES", "31457280", (int64_t)1 << 32, &c->max_upload_bytes, err, errlen) < 0 ||
	    load_size("MAX_CONTEXT_CHARS", "200000", (int64_t)1 << 31, &c->max_context_chars, err, errlen) < 0 ||
	    load_size("MAX_RECEIVING_BYTES", "100663296", (int64_t)1 << 40, &c->max_receiving_bytes, err, errlen) < 0 ||
	    load_size("MAX_API_BODY_BYTES", "16777216", (int64_t)1 << 32, &c->max_api_body_bytes, err, errlen) < 0)
		return -1;

	if (load_flag("TRUST_PROXY", &c->trust_proxy, err, errlen) < 0 ||
	    load_flag("RECORD_EMBEDDING_INPUT", &c->record_embedding_input, err, errlen) < 0)
		return -1;

	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = cores > 0 && cores < 64 ? (int)cores : 2;
	const char *th = env_or("THREADS", NULL, NULL);
	if (th) {
		if (!parse_int64(th, 1, 256, &n))
			return errf(err, errlen, "THREADS: not a whole number from 1 to 256: '%s'", th);
		c->threads = (int)n;
	}
	const char *pic = env_or("MAX_CONNECTIONS_PER_IP", NULL, c->trust_proxy ? "0" : "256");
	if (!parse_int64(pic, 0, 1000000, &n))
		return errf(err, errlen, "MAX_CONNECTIONS_PER_IP: not a whole number from 0 (no limit) to 1000000: '%s'", pic);
	c->per_ip_connections = (unsigned)n;
	const char *mc = env_or("MAX_CONNECTIONS", NULL, "0");
	if (!parse_int64(mc, 0, 1000000, &n) || (n > 0 && n < 16))
		return errf(err, errlen, "MAX_CONNECTIONS: not 0 (automatic) or a whole number from 16 to 1000000: '%s'", mc);
	c->max_connections = (unsigned)n;
	const char *mapu = env_or("MAX_ASKS_PER_USER", NULL, "32");
	if (!parse_int64(mapu, 1, 1000000, &n))
		return errf(err, errlen, "MAX_ASKS_PER_USER: not a whole number from 1 to 1000000: '%s'", mapu);
	c->max_asks_per_user = (unsigned)n;
	const char *hq = env_or("HASH_QUEUE", NULL, "16");
	if (!parse_int64(hq, 1, 10000, &n))
		return errf(err, errlen, "HASH_QUEUE: not a whole number from 1 to 10000: '%s'", hq);
	c->hash_queue = (unsigned)n;
	const char *lr = env_or("LOGIN_RATE", NULL, "300");
	if (!parse_int64(lr, 1, 1000000, &n))
		return errf(err, errlen, "LOGIN_RATE: not a whole number from 1 to 1000000: '%s'", lr);
	c->login_rate = (unsigned)n;
	/* Sent by Prometheus in an Authorization header: printable ASCII, and long
	 * enough not to be guessed. */
	const char *mt = env_or("METRICS_TOKEN", NULL, NULL);
	if (mt) {
		bool ok = strlen(mt) >= 16 && strlen(mt) <= 256;
		for (const char *p = mt; ok && *p; p++)
			ok = *p > 0x20 && *p < 0x7f;
		if (!ok)
			return errf(err, errlen, "METRICS_TOKEN: 16 to 256 printable ASCII characters without spaces");
		if (!(c->metrics_token = xstrdup(mt)))
			return errf(err, errlen, "out of memory");
	}
	if (load_smtp(c, err, errlen) < 0)
		return -1;
	if (load_sign_in(c, err, errlen) < 0)
		return -1;
	return load_secret(c, need_secret, err, errlen);
}

void config_free(struct config *c)
{
	free(c->bind);
	free(c->database_url);
	free(c->public_url);
	free(c->data_dir);
	if (c->metrics_token) {
		sodium_memzero(c->metrics_token, strlen(c->metrics_token));
		free(c->metrics_token);
	}
	if (c->smtp_url)
		sodium_memzero(c->smtp_url, strlen(c->smtp_url));
	free(c->smtp_url);
	free(c->smtp_from);
	free(c->smtp_ca_file);
	struct config_oauth_client *clients[] = {&c->google, &c->github, &c->oidc};
	for (size_t i = 0; i < 3; i++) {
		free(clients[i]->id);
		if (clients[i]->secret)
			sodium_memzero(clients[i]->secret, strlen(clients[i]->secret));
		free(clients[i]->secret);
	}
	free(c->oidc_issuer);
	free(c->oidc_name);
	free(c->github_url);
	free(c->github_api_url);
	sodium_memzero(c->secret, sizeof c->secret);
	memset(c, 0, sizeof *c);
}
