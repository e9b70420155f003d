/*
 * valid.c: validators for the values the API accepts.  Each returns 1
 * when the value is acceptable, 0 otherwise, and never allocates.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xv.h"

int
xv_valid_uuid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != XV_UUID_LEN)
		return 0;
	for (i = 0; i < XV_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* ^[a-z0-9](-?[a-z0-9])*$, 3..63 characters. */
int
xv_valid_slug(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (i == 0 || i == n - 1 || s[i - 1] == '-')
				return 0;
		} else if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* A DNS host name: labels of 1..63 LDH characters, 253 in all, two labels. */
int
xv_valid_dns_name(const char *s)
{
	size_t	i, n, lab = 0, labels = 1;

	if (s == NULL || (n = strlen(s)) == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return 0;
			lab = 0;
			labels++;
			continue;
		}
		if (!(isalnum(c) || c == '-') || isupper(c))
			return 0;
		if (c == '-' && lab == 0)
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0 && s[n - 1] != '-' && labels >= 2;
}

int
xv_valid_email(const char *s)
{
	const char	*at;
	size_t		 i, n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 254)
		return 0;
	if ((at = strchr(s, '@')) == NULL || at == s || strchr(at + 1, '@'))
		return 0;
	for (i = 0; s + i < at; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '\\')
			return 0;
	for (i = 1; at[i] != '\0'; i++) {
		if (at[i] == '.' && (i == 1 || at[i - 1] == '.' ||
		    at[i + 1] == '\0'))
			return 0;
		if (!isalnum((unsigned char)at[i]) && at[i] != '.' &&
		    at[i] != '-')
			return 0;
	}
	return strchr(at + 1, '.') != NULL;
}

/*
 * RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), years
 * 1900..9999, no leap second); stores the UTC time in *t when t is not
 * NULL.  strptime alone accepts one-digit and space-padded fields and
 * 31 days in every month, hence the shape and round-trip checks.
 */
int
xv_valid_rfc3339(const char *s, time_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	struct tm	 tm, norm;
	const char	*p;
	time_t		 u;
	int		 i, off = 0, oh, om;

	if (s == NULL || strlen(s) < 20)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return 0;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != s + 19)
		return 0;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (oh > 23 || om > 59)
			return 0;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else
		return 0;
	if (*p != '\0')
		return 0;
	if (tm.tm_year < 0 || tm.tm_year > 8099)
		return 0;
	norm = tm;
	u = timegm(&norm);
	if (norm.tm_mday != tm.tm_mday || norm.tm_mon != tm.tm_mon ||
	    norm.tm_sec != tm.tm_sec)
		return 0;
	if (t != NULL)
		*t = u - off;
	return 1;
}

/* At most 64 characters of [A-Za-z0-9._-]. */
int
xv_valid_request_id(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 64)
			return 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	}
	return 1;
}

/*
 * Number of code points of valid UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or SIZE_MAX.
 */
size_t
xv_utf8_len(const char *s)
{
	static const uint32_t	 least[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0;

	while (*p != '\0') {
		unsigned char	c = *p++;
		int		k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 :
				    (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
		uint32_t	cp = k <= 0 ? c : c & (0x3f >> k);
		int		len = k;

		if (k < 0)
			return SIZE_MAX;
		while (k-- > 0) {
			if ((*p >> 6) != 2)
				return SIZE_MAX;
			cp = cp << 6 | (*p++ & 0x3f);
		}
		if (cp < least[len] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return SIZE_MAX;
		n++;
	}
	return n;
}

void
xv_time_rfc3339(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
