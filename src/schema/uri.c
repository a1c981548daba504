/* uri.c - URI reference resolution (RFC 3986, section 5.2) for $id and $ref: enough
 * of a URI parser to join a relative reference to its base, nothing that fetches. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

struct parts {
	const char *scheme, *auth, *path, *query, *frag;
	size_t nscheme, nauth, npath, nquery, nfrag;
	bool has_scheme, has_auth, has_query, has_frag;
};

static void parse(const char *s, struct parts *p)
{
	memset(p, 0, sizeof *p);
	const char *c = s;
	while (*c && (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.'))
		c++;
	if (*c == ':' && c > s && isalpha((unsigned char)*s)) {
		p->has_scheme = true;
		p->scheme = s;
		p->nscheme = (size_t)(c - s);
		s = c + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		p->has_auth = true;
		p->auth = s + 2;
		p->nauth = strcspn(p->auth, "/?#");
		s = p->auth + p->nauth;
	}
	p->path = s;
	p->npath = strcspn(s, "?#");
	s += p->npath;
	if (*s == '?') {
		p->has_query = true;
		p->query = s + 1;
		p->nquery = strcspn(p->query, "#");
		s = p->query + p->nquery;
	}
	if (*s == '#') {
		p->has_frag = true;
		p->frag = s + 1;
		p->nfrag = strlen(p->frag);
	}
}

/* Removes "." and ".." segments from the path in[0..n), in place (RFC 3986, 5.2.4);
 * returns the new length, or (size_t)-1 when out of memory. */
static size_t remove_dots(char *in, size_t n)
{
	char *out = malloc(n + 1);
	if (!out)
		return (size_t)-1;
	size_t o = 0, i = 0;
	while (i < n) {
		if (n - i >= 3 && strncmp(in + i, "../", 3) == 0)
			i += 3;
		else if (n - i >= 2 && strncmp(in + i, "./", 2) == 0)
			i += 2;
		else if (n - i >= 3 && strncmp(in + i, "/./", 3) == 0)
			i += 2;
		else if (n - i == 2 && strncmp(in + i, "/.", 2) == 0) {
			in[i + 1] = '/';
			i += 1;
		} else if ((n - i >= 4 && strncmp(in + i, "/../", 4) == 0) || (n - i == 3 && strncmp(in + i, "/..", 3) == 0)) {
			if (n - i == 3) {
				in[i + 2] = '/';
				i += 2;
			} else
				i += 3;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if ((n - i == 1 && in[i] == '.') || (n - i == 2 && strncmp(in + i, "..", 2) == 0)) {
			i = n;
		} else {
			size_t j = i;
			if (in[j] == '/')
				j++;
			while (j < n && in[j] != '/')
				j++;
			memcpy(out + o, in + i, j - i);
			o += j - i;
			i = j;
		}
	}
	memcpy(in, out, o);
	free(out);
	return o;
}

char *uri_resolve(const char *base, const char *ref)
{
	struct parts b, r;
	parse(base ? base : "", &b);
	parse(ref, &r);
	size_t cap = strlen(base ? base : "") + strlen(ref) + 8;
	char *path = malloc(cap), *out = malloc(cap);
	if (!path || !out) {
		free(path);
		free(out);
		return NULL;
	}
	struct parts t = {0};
	size_t np = 0;
	if (r.has_scheme) {
		t = r;
		memcpy(path, r.path, r.npath);
		np = r.npath;
	} else {
		t.has_scheme = b.has_scheme;
		t.scheme = b.scheme;
		t.nscheme = b.nscheme;
		if (r.has_auth) {
			t.has_auth = true, t.auth = r.auth, t.nauth = r.nauth;
			memcpy(path, r.path, r.npath);
			np = r.npath;
			t.has_query = r.has_query, t.query = r.query, t.nquery = r.nquery;
		} else {
			t.has_auth = b.has_auth, t.auth = b.auth, t.nauth = b.nauth;
			if (r.npath == 0) {
				memcpy(path, b.path, b.npath);
				np = b.npath;
				if (r.has_query)
					t.has_query = true, t.query = r.query, t.nquery = r.nquery;
				else
					t.has_query = b.has_query, t.query = b.query, t.nquery = b.nquery;
			} else {
				if (r.path[0] == '/') {
					memcpy(path, r.path, r.npath);
					np = r.npath;
				} else {
					if (b.has_auth && b.npath == 0) {
						path[np++] = '/';
					} else {
						size_t k = b.npath;
						while (k > 0 && b.path[k - 1] != '/')
							k--;
						memcpy(path, b.path, k);
						np = k;
					}
					memcpy(path + np, r.path, r.npath);
					np += r.npath;
				}
				t.has_query = r.has_query, t.query = r.query, t.nquery = r.nquery;
			}
		}
	}
	t.has_frag = r.has_frag, t.frag = r.frag, t.nfrag = r.nfrag;
	if (t.has_scheme || t.has_auth || (np > 0 && path[0] == '/')) {
		np = remove_dots(path, np);
		if (np == (size_t)-1) {
			free(path);
			free(out);
			return NULL;
		}
	}
	size_t o = 0;
	if (t.has_scheme) {
		memcpy(out + o, t.scheme, t.nscheme);
		o += t.nscheme;
		out[o++] = ':';
	}
	if (t.has_auth) {
		out[o++] = '/', out[o++] = '/';
		memcpy(out + o, t.auth, t.nauth);
		o += t.nauth;
	}
	memcpy(out + o, path, np);
	o += np;
	if (t.has_query) {
		out[o++] = '?';
		memcpy(out + o, t.query, t.nquery);
		o += t.nquery;
	}
	if (t.has_frag && t.nfrag) {
		out[o++] = '#';
		memcpy(out + o, t.frag, t.nfrag);
		o += t.nfrag;
	}
	out[o] = 0;
	free(path);
	return out;
}

char *uri_split(const char *ref, const char **frag)
{
	const char *h = strchr(ref, '#');
	size_t n = h ? (size_t)(h - ref) : strlen(ref);
	*frag = h ? h + 1 : "";
	return strndup(ref, n);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *uri_pct_decode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int a = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			if (a < 0 || b < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(a * 16 + b);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = 0;
	return out;
}
