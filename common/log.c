/*
 * log.c: one JSON object a line on stderr, which lighttpd and Apache put
 * in their error log.  Callers never pass secrets: messages name what
 * failed, not the values involved.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xv.h"

/*
 * Access lines are gathered per process and written together: when
 * 16 KiB have gathered, when the oldest is a second old, when the
 * process finds no request waiting (route.c) and before any other log
 * line.  A busy process so makes one write for many requests; an idle
 * one writes each line at once.  A crash loses at most a second's.
 */
#define ALOG_MAX	16384
static struct xv_buf	alog;
static time_t		alog_t0;

void
xv_log_flush(void)
{
	size_t	o = 0;
	ssize_t	w;

	while (o < alog.len) {
		if ((w = write(STDERR_FILENO, alog.p + o, alog.len - o)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		o += (size_t)w;
	}
	alog.len = 0;
}

void
xv_log_access(const char *line, size_t len)
{
	static int	registered;
	struct timespec	now;

	if (!registered && atexit(xv_log_flush) == 0)
		registered = 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (alog.len == 0)
		alog_t0 = now.tv_sec;
	xv_buf_add(&alog, line, len);
	if (alog.len >= ALOG_MAX || now.tv_sec - alog_t0 >= 1)
		xv_log_flush();
}

void
xv_log(const char *level, const char *func, const char *rid,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512], ts[32];
	json_t	*o;
	char	*s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xv_time_rfc3339(time(NULL), ts);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", ts, "level", level,
	    "prog", xv_conf_prog(), "func", func, "msg", msg);
	if (o == NULL)
		return;
	if (rid != NULL && *rid != '\0')
		json_object_set_new(o, "request_id", json_string(rid));
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		xv_log_flush();
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	json_decref(o);
}
