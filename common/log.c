/*
 * log.c: one JSON object a line on stderr, which lighttpd and Apache put
 * in their error log.  Callers never pass secrets: messages name what
 * failed, not the values involved.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "xv.h"

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
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	json_decref(o);
}
