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

#define MIN_TIME	(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define MAX_TIME	253402300799LL		/* 9999-12-31T23:59:59Z */

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

int
xv_uuid_canon(const char *s, char out[XV_UUID_LEN + 1])
{
	size_t i;

	if (!xv_valid_uuid(s))
		return -1;
	for (i = 0; i < XV_UUID_LEN; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[XV_UUID_LEN] = '\0';
	return 0;
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
		/* Nanoseconds at most: PostgreSQL takes no longer fraction. */
		for (i = 1; isdigit((unsigned char)p[i]); i++)
			if (i > 9)
				return 0;
		if (i == 1)
			return 0;
		p += i;
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
	/*
	 * In UTC as well, years 1..9999: 9999-12-31T23:59:59-23:59 is in
	 * the year 10000, which PostgreSQL's timestamptz cannot hold.
	 */
	if (u - off < MIN_TIME || u - off > MAX_TIME)
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
/* Bytes of the valid UTF-8 character at p, or 0 if none starts there. */
static size_t
utf8_char(const unsigned char *p)
{
	static const uint32_t	 least[4] = { 0, 0x80, 0x800, 0x10000 };
	unsigned char		 c = *p;
	int			 k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 :
				    (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
	uint32_t		 cp = k <= 0 ? c : c & (0x3f >> k);
	int			 i;

	if (k < 0)
		return 0;
	for (i = 1; i <= k; i++) {
		if ((p[i] >> 6) != 2)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < least[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return (size_t)k + 1;
}

size_t
xv_utf8_len(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0, k;

	for (; *p != '\0'; p += k, n++)
		if ((k = utf8_char(p)) == 0)
			return SIZE_MAX;
	return n;
}

/*
 * Keeps the longest prefix of s that is valid UTF-8: a character cut by
 * a byte-counted buffer, and whatever follows a bad byte, go.
 */
void
xv_utf8_trim(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 k;

	for (; *p != '\0'; p += k)
		if ((k = utf8_char(p)) == 0) {
			*p = '\0';
			return;
		}
}

void
xv_time_rfc3339(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
