/* format.c - the "format" values asserted when asked (--formats): date, date-time,
 * time (RFC 3339), email, hostname (RFC 1123), ipv4, ipv6, uri (RFC 3986,
 * absolute), uuid, regex (ECMA-262 as PCRE2 reads it), json-pointer (RFC 6901).
 * Any other format is an annotation only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

enum sformat format_lookup(const char *name)
{
	static const struct {
		const char *name;
		enum sformat f;
	} t[] = {{"date", F_DATE},   {"date-time", F_DATE_TIME}, {"time", F_TIME}, {"email", F_EMAIL},
		 {"hostname", F_HOSTNAME}, {"ipv4", F_IPV4}, {"ipv6", F_IPV6}, {"uri", F_URI},
		 {"uuid", F_UUID},   {"regex", F_REGEX},         {"json-pointer", F_JSON_POINTER}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(name, t[i].name) == 0)
			return t[i].f;
	return F_NONE;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool check_date(const char *s, size_t n)
{
	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2))
		return false;
	int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	return true;
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second only at
 * 23:59:60 UTC. */
static bool check_time(const char *s, size_t n)
{
	if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2) || !digits(s + 3, 2) || !digits(s + 6, 2))
		return false;
	int h = num(s, 2), mi = num(s + 3, 2), se = num(s + 6, 2);
	size_t i = 8;
	if (i < n && s[i] == '.') {
		size_t j = ++i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == j)
			return false;
	}
	if (i >= n)
		return false;
	int oh = 0, om = 0, sign = 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return false;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2) || !digits(s + i + 4, 2))
			return false;
		oh = num(s + i + 1, 2), om = num(s + i + 4, 2);
		if (oh > 23 || om > 59)
			return false;
	} else
		return false;
	if (h > 23 || mi > 59 || se > 60)
		return false;
	if (se == 60) {
		int utc = (h * 60 + mi - sign * (oh * 60 + om)) % 1440;
		if (utc < 0)
			utc += 1440;
		if (utc != 23 * 60 + 59)
			return false;
	}
	return true;
}

static bool check_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') && check_date(s, 10) && check_time(s + 11, n - 11);
}

static bool check_hostname(const char *s, size_t n)
{
	if (n == 0 || n > 253 + (s[n - 1] == '.'))
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 ? s[n - 1] != '-' : n > 1;
}

static bool check_ipv4(const char *s, size_t n)
{
	int parts = 0;
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		if (j == i || j - i > 3 || (j - i > 1 && s[i] == '0') || num(s + i, j - i) > 255)
			return false;
		parts++;
		if (j == n)
			break;
		if (s[j] != '.')
			return false;
		i = j + 1;
	}
	return parts == 4;
}

static bool check_ipv6(const char *s, size_t n)
{
	if (n < 2 || n > 45)
		return false;
	int groups = 0;
	bool gap = false;
	size_t i = 0;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = true;
		i = 2;
		if (i == n)
			return true;
	}
	while (i < n) {
		size_t j = i;
		while (j < n && isxdigit((unsigned char)s[j]))
			j++;
		if (j < n && s[j] == '.') {
			/* an embedded IPv4 address ends it, counting for two groups */
			if (!check_ipv4(s + i, n - i))
				return false;
			groups += 2;
			break;
		}
		if (j == i || j - i > 4)
			return false;
		groups++;
		if (j == n)
			break;
		if (s[j] != ':')
			return false;
		if (j + 1 < n && s[j + 1] == ':') {
			if (gap)
				return false;
			gap = true;
			i = j + 2;
			if (i == n)
				break;
		} else {
			i = j + 1;
			if (i == n)
				return false;
		}
	}
	return gap ? groups < 8 : groups == 8;
}

static bool check_email(const char *s, size_t n)
{
	const char *at = memrchr(s, '@', n);
	if (!at || at == s || (size_t)(at - s) == n - 1)
		return false;
	size_t local = (size_t)(at - s);
	if (s[0] == '.' || s[local - 1] == '.')
		return false;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' && i + 1 < local && s[i + 1] == '.')
			return false;
		if (c <= ' ' || strchr("()<>[]:;@\\,\"", c))
			return false;
	}
	const char *dom = at + 1;
	size_t dn = n - local - 1;
	if (dom[0] == '[' && dom[dn - 1] == ']') {
		if (dn > 6 && strncmp(dom + 1, "IPv6:", 5) == 0)
			return check_ipv6(dom + 6, dn - 7);
		return check_ipv4(dom + 1, dn - 2);
	}
	return check_hostname(dom, dn);
}

static bool check_uri(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i == n || s[i] != ':')
		return false;
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
				return false;
			i += 2;
		} else if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c))
			return false;
	}
	/* an authority's port is digits only */
	const char *auth = memmem(s, n, "://", 3);
	if (auth) {
		const char *a = auth + 3, *end = s + n;
		const char *stop = a;
		while (stop < end && *stop != '/' && *stop != '?' && *stop != '#')
			stop++;
		const char *host = memrchr(a, '@', (size_t)(stop - a));
		host = host ? host + 1 : a;
		if (host < stop && *host == '[') {
			const char *close = memchr(host, ']', (size_t)(stop - host));
			if (!close)
				return false;
			host = close;
		}
		const char *colon = memchr(host, ':', (size_t)(stop - host));
		if (colon)
			for (const char *p = colon + 1; p < stop; p++)
				if (!isdigit((unsigned char)*p))
					return false;
	}
	return true;
}

static bool check_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool check_json_pointer(const char *s, size_t n)
{
	if (n && s[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')))
			return false;
	return true;
}

bool format_check(enum sformat f, const char *s, size_t len)
{
	switch (f) {
	case F_NONE: return true;
	case F_DATE: return check_date(s, len);
	case F_DATE_TIME: return check_date_time(s, len);
	case F_TIME: return check_time(s, len);
	case F_EMAIL: return check_email(s, len);
	case F_HOSTNAME: return check_hostname(s, len);
	case F_IPV4: return check_ipv4(s, len);
	case F_IPV6: return check_ipv6(s, len);
	case F_URI: return check_uri(s, len);
	case F_UUID: return check_uuid(s, len);
	case F_JSON_POINTER: return check_json_pointer(s, len);
	case F_REGEX: {
		if (memchr(s, 0, len))
			return false;
		char err[8];
		pcre2_code *re = regex_compile(s, err, sizeof err);
		pcre2_code_free(re);
		return re != NULL;
	}
	}
	return true;
}
