/* provider.c - the configured providers and models (README, "Model providers").
 *
 * Either one provider from the environment (LLM_API_URL, LLM_API_KEY, LLM_MODELS,
 * LLM_API_TYPE, LLM_UNSUPPORTED), defaulting to Ollama on this machine, or several
 * from the INI file named by LLMMETA_PROVIDERS, one section per provider:
 *
 *   [openai]
 *   type = openai                 ; or anthropic
 *   url = https://api.openai.com/v1
 *   key_env = OPENAI_API_KEY      ; or key = ...
 *   models = gpt-4o-mini, gpt-4o  ; empty: asked from the provider's model list
 *   embedding_models = text-embedding-3-small  ; for /v1/embeddings only
 *   unsupported = top_k           ; parameters never sent
 *   responses = native            ; /v1/responses passed through, not translated
 *   connect_timeout = 10          ; seconds; also first_token_timeout, total_timeout
 *
 * A provider without a model list is asked for one at start-up (GET /models); the
 * embedding models are never asked for (a model list does not say which models
 * embed) and are kept apart from the chat models: the ask form and
 * /v1/chat/completions offer only the chat models, /v1/embeddings only these. */
#include <curl/curl.h>
#include <ini.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "../core/util.h"
#include "llm_impl.h"

static struct llm_provider *providers;
static size_t nproviders;

/* Splits "a, b,c" into a fresh list of trimmed, non-empty names. */
static int split_list(const char *s, char ***out, size_t *n)
{
	for (const char *p = s; p && *p;) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len);
		if (!item)
			return -1;
		str_trim(item);
		if (*item) {
			char **grown = realloc(*out, (*n + 1) * sizeof *grown);
			if (!grown) {
				free(item);
				return -1;
			}
			*out = grown;
			(*out)[(*n)++] = item;
		} else {
			free(item);
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_unsupported(const char *s, unsigned *bits, const char *where, char *err, size_t errlen)
{
	char **names = NULL;
	size_t n = 0;
	int rc = split_list(s, &names, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "max_tokens") == 0) *bits |= LLM_MAX_TOKENS;
		else if (strcmp(names[i], "temperature") == 0) *bits |= LLM_TEMPERATURE;
		else if (strcmp(names[i], "top_k") == 0) *bits |= LLM_TOP_K;
		else if (strcmp(names[i], "top_p") == 0) *bits |= LLM_TOP_P;
		else if (rc == 0) rc = errf(err, errlen, "%s: unknown parameter '%s' (max_tokens, temperature, top_k, top_p)", where, names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

static struct llm_provider *add_provider(const char *name)
{
	struct llm_provider *grown = realloc(providers, (nproviders + 1) * sizeof *grown);
	if (!grown)
		return NULL;
	providers = grown;
	struct llm_provider *p = &providers[nproviders++];
	*p = (struct llm_provider){.name = xstrdup(name), .type = LLM_OPENAI, .connect_ms = 10000,
				   .first_token_ms = 120000, .total_ms = 600000};
	return p->name ? p : NULL;
}

static int set_timeout(long *ms, const char *v)
{
	int64_t s;
	if (!parse_int64(v, 1, 86400, &s))
		return -1;
	*ms = (long)s * 1000;
	return 0;
}

/* ---- the INI file ---- */

struct ini_state {
	char *err;
	size_t errlen;
	const char *path;
	int failed;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	if (st->failed)
		return 0;
	if (!*section) {
		st->failed = errf(st->err, st->errlen, "LLMMETA_PROVIDERS: %s: '%s' is outside a [provider] section", st->path, name);
		return 0;
	}
	struct llm_provider *p = nproviders ? &providers[nproviders - 1] : NULL;
	if (!p || strcmp(p->name, section) != 0)
		if (!(p = add_provider(section)))
			return 0;
	char where[300];
	snprintf(where, sizeof where, "LLMMETA_PROVIDERS: %s [%s] %s", st->path, section, name);
	int bad = 0;
	if (strcmp(name, "type") == 0) {
		if (strcmp(value, "openai") == 0) p->type = LLM_OPENAI;
		else if (strcmp(value, "anthropic") == 0) p->type = LLM_ANTHROPIC;
		else bad = errf(st->err, st->errlen, "%s: type must be openai or anthropic", where);
	} else if (strcmp(name, "url") == 0) {
		free(p->url);
		p->url = xstrdup(value);
	} else if (strcmp(name, "key") == 0) {
		free(p->key);
		p->key = xstrdup(value);
	} else if (strcmp(name, "key_env") == 0) {
		const char *k = getenv(value);
		if (!k || !*k)
			bad = errf(st->err, st->errlen, "%s: key_env names %s, which is not set", where, value);
		free(p->key);
		p->key = k ? xstrdup(k) : NULL;
	} else if (strcmp(name, "models") == 0) {
		bad = split_list(value, &p->models, &p->nmodels);
	} else if (strcmp(name, "embedding_models") == 0) {
		bad = split_list(value, &p->embedding_models, &p->nembedding);
	} else if (strcmp(name, "responses") == 0) {
		if (strcmp(value, "native") == 0) p->responses_native = true;
		else if (strcmp(value, "translate") == 0) p->responses_native = false;
		else bad = errf(st->err, st->errlen, "%s: responses must be native or translate", where);
	} else if (strcmp(name, "unsupported") == 0) {
		bad = parse_unsupported(value, &p->unsupported, where, st->err, st->errlen);
	} else if (strcmp(name, "connect_timeout") == 0) {
		bad = set_timeout(&p->connect_ms, value) ? errf(st->err, st->errlen, "%s: connect_timeout: seconds from 1 to 86400", where) : 0;
	} else if (strcmp(name, "first_token_timeout") == 0) {
		bad = set_timeout(&p->first_token_ms, value) ? errf(st->err, st->errlen, "%s: first_token_timeout: seconds from 1 to 86400", where) : 0;
	} else if (strcmp(name, "total_timeout") == 0) {
		bad = set_timeout(&p->total_ms, value) ? errf(st->err, st->errlen, "%s: total_timeout: seconds from 1 to 86400", where) : 0;
	} else {
		bad = errf(st->err, st->errlen, "%s: unknown setting", where);
	}
	st->failed = bad;
	return bad ? 0 : 1;
}

static int load_ini(const char *path, char *err, size_t errlen)
{
	struct ini_state st = {err, errlen, path, 0};
	int rc = ini_parse(path, on_ini, &st);
	if (st.failed)
		return -1;
	if (rc < 0)
		return errf(err, errlen, "LLMMETA_PROVIDERS: cannot read %s", path);
	if (rc > 0)
		return errf(err, errlen, "LLMMETA_PROVIDERS: %s: line %d is not valid INI", path, rc);
	if (nproviders == 0)
		return errf(err, errlen, "LLMMETA_PROVIDERS: %s declares no provider", path);
	return 0;
}

/* ---- one provider from the environment ---- */

static int load_env(char *err, size_t errlen)
{
	const char *url = env_or("LLM_API_URL", "API_URL", NULL);
	struct llm_provider *p = add_provider("default");
	if (!p)
		return errf(err, errlen, "out of memory");
	p->url = xstrdup(url ? url : "http://127.0.0.1:11434/v1");
	const char *key = env_or("LLM_API_KEY", "API_KEY", NULL);
	p->key = key ? xstrdup(key) : NULL;
	const char *type = env_or("LLM_API_TYPE", NULL, NULL);
	if (type && strcmp(type, "anthropic") == 0)
		p->type = LLM_ANTHROPIC;
	else if (type && strcmp(type, "openai") != 0)
		return errf(err, errlen, "LLM_API_TYPE: must be openai or anthropic");
	else if (!type && strstr(p->url, "anthropic.com"))
		p->type = LLM_ANTHROPIC;
	const char *models = env_or("LLM_MODELS", NULL, NULL);
	if (models && split_list(models, &p->models, &p->nmodels) < 0)
		return errf(err, errlen, "out of memory");
	const char *emb = env_or("LLM_EMBEDDING_MODELS", NULL, NULL);
	if (emb && split_list(emb, &p->embedding_models, &p->nembedding) < 0)
		return errf(err, errlen, "out of memory");
	const char *uns = env_or("LLM_UNSUPPORTED", NULL, NULL);
	if (uns && parse_unsupported(uns, &p->unsupported, "LLM_UNSUPPORTED", err, errlen) < 0)
		return -1;
	static const struct {
		const char *var;
		size_t off;
	} timeouts[] = {{"LLM_CONNECT_TIMEOUT", offsetof(struct llm_provider, connect_ms)},
			{"LLM_FIRST_TOKEN_TIMEOUT", offsetof(struct llm_provider, first_token_ms)},
			{"LLM_TOTAL_TIMEOUT", offsetof(struct llm_provider, total_ms)}};
	for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
		const char *v = env_or(timeouts[i].var, NULL, NULL);
		if (v && set_timeout((long *)(void *)((char *)p + timeouts[i].off), v) < 0)
			return errf(err, errlen, "%s: seconds from 1 to 86400: '%s'", timeouts[i].var, v);
	}
	return 0;
}

/* ---- model discovery ---- */

static size_t collect(char *data, size_t size, size_t n, void *userp)
{
	buf *b = userp;
	if (b->len + size * n > 4 * 1024 * 1024)
		return 0;
	buf_append(b, data, size * n);
	return b->oom ? 0 : size * n;
}

struct curl_slist *llm_auth_headers(const struct llm_provider *p, struct curl_slist *h)
{
	buf line = BUF_INIT;
	if (p->type == LLM_ANTHROPIC) {
		h = curl_slist_append(h, "anthropic-version: 2023-06-01");
		if (p->key)
			buf_printf(&line, "x-api-key: %s", p->key);
	} else if (p->key) {
		buf_printf(&line, "Authorization: Bearer %s", p->key);
	}
	if (line.len && !line.oom)
		h = curl_slist_append(h, line.data);
	buf_free(&line);
	return h;
}

static void discover(struct llm_provider *p)
{
	CURL *c = curl_easy_init();
	if (!c)
		return;
	buf url = BUF_INIT, body = BUF_INIT;
	buf_printf(&url, "%s/models", p->url);
	struct curl_slist *h = llm_auth_headers(p, NULL);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	json_t *j = rc == CURLE_OK && status == 200 ? json_loadb(body.data ? body.data : "", body.len, 0, NULL) : NULL;
	json_t *data = json_object_get(j, "data");
	size_t i;
	json_t *m;
	json_array_foreach(data, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));
		const char *ignored;
		if (id && llm_kind_resolve(LLM_EMBEDDING, id, &ignored) == p)
			continue; /* declared an embedding model: not one to chat with */
		char **grown = id ? realloc(p->models, (p->nmodels + 1) * sizeof *grown) : NULL;
		if (grown) {
			p->models = grown;
			if ((p->models[p->nmodels] = xstrdup(id)))
				p->nmodels++;
		}
	}
	if (p->nmodels)
		log_info("provider %s: %zu models from its model list", p->name, p->nmodels);
	else
		log_warn("provider %s: no models configured and its model list could not be read (%s)", p->name,
			 rc != CURLE_OK ? curl_easy_strerror(rc) : status != 200 ? "HTTP error" : "no models in it");
	json_decref(j);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	buf_free(&url);
	buf_free(&body);
}

int llm_config_load(char *err, size_t errlen)
{
	llm_config_free();
	const char *ini = env_or("LLMMETA_PROVIDERS", NULL, NULL);
	if ((ini ? load_ini(ini, err, errlen) : load_env(err, errlen)) < 0)
		return -1;
	for (size_t i = 0; i < nproviders; i++) {
		struct llm_provider *p = &providers[i];
		const char *var = ini ? "LLMMETA_PROVIDERS" : "LLM_API_URL";
		if (!p->url || (!str_starts(p->url, "http://") && !str_starts(p->url, "https://")))
			return errf(err, errlen, "%s: provider %s needs a url starting with http:// or https://", var, p->name);
		size_t n = strlen(p->url);
		while (n > 8 && p->url[n - 1] == '/')
			p->url[--n] = '\0';
		if (p->responses_native && p->type != LLM_OPENAI)
			return errf(err, errlen, "%s: provider %s: responses = native needs type openai", var, p->name);
		if (p->type == LLM_OPENAI && strstr(p->url, "api.openai.com"))
			p->unsupported |= LLM_TOP_K; /* OpenAI itself refuses top_k */
		if (!p->nmodels)
			discover(p);
	}
	return 0;
}

void llm_config_free(void)
{
	llm_metrics_free(); /* its labels are the providers' names */
	for (size_t i = 0; i < nproviders; i++) {
		struct llm_provider *p = &providers[i];
		for (size_t k = 0; k < p->nmodels; k++)
			free(p->models[k]);
		free(p->models);
		for (size_t k = 0; k < p->nembedding; k++)
			free(p->embedding_models[k]);
		free(p->embedding_models);
		free(p->name);
		free(p->url);
		free(p->key);
	}
	free(providers);
	providers = NULL;
	nproviders = 0;
}

/* Provider p's models of kind k, their count in *n. */
static char *const *list_of(const struct llm_provider *p, enum llm_kind k, size_t *n)
{
	*n = k == LLM_EMBEDDING ? p->nembedding : p->nmodels;
	return k == LLM_EMBEDDING ? p->embedding_models : p->models;
}

size_t llm_kind_count(enum llm_kind k)
{
	size_t n = 0, m;
	for (size_t i = 0; i < nproviders; i++)
		n += (list_of(&providers[i], k, &m), m);
	return n;
}

/* The provider of the idx-th model of kind k, and that model's name in *name. */
static const struct llm_provider *nth(enum llm_kind k, size_t idx, const char **name)
{
	for (size_t i = 0; i < nproviders; i++) {
		size_t n;
		char *const *l = list_of(&providers[i], k, &n);
		if (idx < n)
			return *name = l[idx], &providers[i];
		idx -= n;
	}
	return *name = NULL, NULL;
}

const char *llm_kind_at(enum llm_kind k, size_t idx)
{
	const char *name;
	nth(k, idx, &name);
	return name;
}

const struct llm_provider *llm_kind_provider_at(enum llm_kind k, size_t idx)
{
	const char *name;
	return nth(k, idx, &name);
}

/* The index of name in p's list of kind k, or -1. */
static long find_in(const struct llm_provider *p, enum llm_kind k, const char *name, size_t nlen)
{
	size_t n;
	char *const *l = list_of(p, k, &n);
	for (size_t i = 0; i < n; i++)
		if (strlen(l[i]) == nlen && memcmp(l[i], name, nlen) == 0)
			return (long)i;
	return -1;
}

bool llm_kind_shared(enum llm_kind k, size_t idx)
{
	const char *name;
	const struct llm_provider *mine = nth(k, idx, &name);
	for (size_t i = 0; name && i < nproviders; i++)
		if (&providers[i] != mine && find_in(&providers[i], k, name, strlen(name)) >= 0)
			return true;
	return false;
}

const struct llm_provider *llm_kind_resolve(enum llm_kind k, const char *name, const char **model)
{
	if (!name)
		return NULL;
	size_t n;
	long at;
	/* The bare name first: a model's own name may hold a slash (OpenRouter's
	 * "meta-llama/llama-3-8b"). */
	for (size_t i = 0; i < nproviders; i++)
		if ((at = find_in(&providers[i], k, name, strlen(name))) >= 0)
			return *model = list_of(&providers[i], k, &n)[at], &providers[i];
	const char *slash = strchr(name, '/');
	for (size_t i = 0; slash && i < nproviders; i++) {
		size_t plen = strlen(providers[i].name);
		if (plen != (size_t)(slash - name) || strncmp(providers[i].name, name, plen) != 0)
			continue;
		if ((at = find_in(&providers[i], k, slash + 1, strlen(slash + 1))) >= 0)
			return *model = list_of(&providers[i], k, &n)[at], &providers[i];
	}
	return NULL;
}

size_t llm_model_count(void) { return llm_kind_count(LLM_CHAT); }
const char *llm_model_at(size_t idx) { return llm_kind_at(LLM_CHAT, idx); }
const struct llm_provider *llm_model_provider_at(size_t idx) { return llm_kind_provider_at(LLM_CHAT, idx); }
bool llm_model_shared(size_t idx) { return llm_kind_shared(LLM_CHAT, idx); }
const struct llm_provider *llm_resolve(const char *name, const char **model)
{
	return llm_kind_resolve(LLM_CHAT, name, model);
}

const struct llm_provider *llm_provider_for(const char *model)
{
	for (size_t i = 0; model && i < nproviders; i++)
		if (find_in(&providers[i], LLM_CHAT, model, strlen(model)) >= 0)
			return &providers[i];
	return NULL;
}

unsigned llm_sent_params(const struct llm_provider *p)
{
	return (LLM_MAX_TOKENS | LLM_TEMPERATURE | LLM_TOP_K | LLM_TOP_P) & ~p->unsupported;
}

size_t llm_provider_count(void) { return nproviders; }
const struct llm_provider *llm_provider_at(size_t i) { return i < nproviders ? &providers[i] : NULL; }