/* config.h - the process configuration, read once from the environment (README,
 * "Configuration").
 *
 * config_load() validates every variable and fails with one message naming the
 * variable; nothing starts half-configured. After start-up the struct is read-only
 * and shared by all threads through the global `cfg`. */
#ifndef LLMMETA_CONFIG_H
#define LLMMETA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char *bind;          /* listen address, IPv4 or IPv6 literal */
	int port;            /* 0 = any free port (printed at start) */
	char *database_url;  /* sqlite://... or postgres://... */
	char *public_url;    /* without trailing slash */
	bool https;          /* public_url is https: Secure cookies, HSTS */
	char *data_dir;      /* SQLite file and generated secret live here */
	unsigned char secret[32]; /* SHA-256 of SECRET_KEY: the HMAC key */
	size_t max_upload_bytes;
	size_t max_context_chars;
	size_t max_receiving_bytes; /* request bodies held in memory at once, all together */
	size_t max_api_body_bytes;  /* largest body of POST /v1/chat/completions (docs/api.md) */
	bool trust_proxy;    /* take the client address from X-Forwarded-For */
	bool record_embedding_input; /* keep the input text of /v1/embeddings calls, not only its summary */
	int threads;         /* HTTP worker threads */
	unsigned per_ip_connections; /* 0: no limit (behind a proxy every client is the proxy) */
	unsigned max_connections;    /* 0: half the descriptors the process may open, at most 10000 */
	unsigned max_asks_per_user;  /* questions one user may have in flight at once */
	unsigned hash_queue; /* password hashes queued for the one hashing thread, at least 1 (web/accounts/hash_pool.c) */
	unsigned login_rate; /* login attempts a minute, all clients together, per instance */
	char *metrics_token; /* METRICS_TOKEN: bearer token of /metrics; NULL: admins only */
	/* Outgoing mail (docs/accounts.md): NULL smtp_url means none, links are logged. */
	char *smtp_url;      /* smtp:// or smtps://, credentials inside; never logged */
	char *smtp_from;     /* the From mailbox, checked by mailmsg_mailbox */
	char *smtp_ca_file;  /* PEM CA certificates for the SMTP server; NULL: the system's */

	/* Sign-in providers (docs/sign-in.md): a client id NULL = not configured. */
	struct config_oauth_client {
		char *id, *secret;
	} google, github, oidc;
	char *oidc_issuer;    /* any OpenID Connect issuer (OIDC_ISSUER) */
	char *oidc_name;      /* its button's label */
	char *github_url;     /* https://github.com, or a test's stand-in */
	char *github_api_url; /* https://api.github.com */
};

extern struct config cfg;

/* Fills c from the environment. With need_secret, a missing SECRET_KEY is generated
 * into data_dir (local use) unless PUBLIC_URL is https. Returns 0, or -1 with a
 * one-line reason naming the variable in err. */
int config_load(struct config *c, bool need_secret, char *err, size_t errlen);
void config_free(struct config *c);
/* True for a sign-in provider's URL: https, or http only to this machine (the tests'
 * stand-ins for providers). */
bool config_url_ok(const char *url);

#endif
