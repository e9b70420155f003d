/*
 * xavyo-mailer: delivers the mail outbox (0006-invitations.sql) over
 * SMTP with libcurl, at least once.
 *
 * Programs write mail into the outbox in the transaction of the change
 * it tells of; this sender takes one due message at a time, row locked
 * (FOR UPDATE SKIP LOCKED, so that several senders share the work),
 * puts the link in (public_url/invite/<token>, the token unsealed with
 * outbox_key), hands it to the SMTP server, and marks it sent in the same
 * transaction, only after the server accepted it.  A failure leaves it
 * queued for a later try, with an exponential backoff (retry_base
 * doubling up to retry_max).  A crash or an outage thus delays mail and
 * never loses it; a crash between the server's acceptance and the
 * commit sends that message again, with the same Message-ID.  The
 * sender wakes on NOTIFY xavyo_mail (an insert's commit), on the next
 * retry that falls due, or every poll_interval.  It connects as the role
 * xavyo_mailer, which reads the outbox and nothing else.  See
 * xavyo-mailer(8).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "xv.h"

enum stmt {
	ST_DUE,
	ST_SENT,
	ST_FAILED,
	ST_NEXT,
	ST__MAX
};

static const struct xv_stmt stmts[ST__MAX] = {
	/* The oldest message due; one sender at a time holds it. */
	[ST_DUE] = { "due", 0,
	    "SELECT id, recipient, subject, body, token_sealed, attempts "
	    "FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= "
	    "now() ORDER BY next_attempt_at, created_at LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED" },
	[ST_SENT] = { "sent", 0,
	    "UPDATE mail_outbox SET status = 'sent', sent_at = now(), "
	    "attempts = attempts + 1, token_sealed = NULL, last_error = NULL "
	    "WHERE id = :id::uuid" },
	[ST_FAILED] = { "failed", 0,
	    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = "
	    ":error, next_attempt_at = now() + make_interval(secs => "
	    ":delay::int) WHERE id = :id::uuid" },
	/*
	 * Milliseconds until the next queued message falls due (0 or less:
	 * due now), or NULL when none is queued.  Not greatest(0, ...):
	 * greatest ignores a NULL, and an empty outbox would read as "due
	 * now" and spin the sender.
	 */
	[ST_NEXT] = { "next", 0,
	    "SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) "
	    "* 1000)::bigint AS ms FROM mail_outbox WHERE status = 'queued'" },
};

#define MAIL_FROM_DEF	"xavyo-idp <noreply@localhost>"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The address inside "Name <addr>", or the whole value (copied). */
static char *
bare_address(const char *v)
{
	const char	*lt = strrchr(v, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return strndup(lt + 1, gt - lt - 1);
	return strdup(v);
}

/* A header's value with no CR or LF, so that nothing can add a header. */
static void
add_header(struct xv_buf *b, const char *name, const char *v)
{
	xv_buf_addf(b, "%s: ", name);
	for (; *v != '\0'; v++)
		if (*v != '\r' && *v != '\n')
			xv_buf_add(b, v, 1);
	XV_BUF_LIT(b, "\r\n");
}

/* Subject: as is when printable ASCII, else RFC 2047 encoded words. */
static void
add_subject(struct xv_buf *b, const char *s)
{
	const unsigned char	*p;
	unsigned char		 enc[80];
	size_t			 n, len = strlen(s);

	for (p = (const unsigned char *)s; *p >= ' ' && *p < 0x7f; p++)
		;
	if (*p == '\0') {
		add_header(b, "Subject", s);
		return;
	}
	XV_BUF_LIT(b, "Subject:");
	while (len > 0) {
		/* At most 45 bytes a word, never cutting a character. */
		n = len > 45 ? 45 : len;
		while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		EVP_EncodeBlock(enc, (const unsigned char *)s, (int)n);
		xv_buf_addf(b, " =?UTF-8?B?%s?=", enc);
		s += n;
		len -= n;
		if (len > 0)
			XV_BUF_LIT(b, "\r\n");	/* folded: the next word's space */
	}
	XV_BUF_LIT(b, "\r\n");
}

/* RFC 2045 quoted-printable, lines ending CRLF. */
static void
add_qp(struct xv_buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 col = 0;
	int			 eol, lit;

	for (; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			XV_BUF_LIT(b, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\n' || p[1] == '\r' || p[1] == '\0';
		lit = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol);
		/* At most 76 characters a line, the soft break's '=' included. */
		if (col + (lit ? 1 : 3) > 75 && !(eol && col + (lit ? 1 : 3) <= 76)) {
			XV_BUF_LIT(b, "=\r\n");
			col = 0;
		}
		if (lit) {
			xv_buf_add(b, (const char *)p, 1);
			col++;
		} else {
			xv_buf_addf(b, "=%02X", *p);
			col += 3;
		}
	}
	XV_BUF_LIT(b, "\r\n");
}

/* The body with each "{link}" made the invitation's link. */
static char *
with_link(const char *body, const char *link)
{
	struct xv_buf	 b = { 0 };
	const char	*m;

	while ((m = strstr(body, "{link}")) != NULL) {
		xv_buf_add(&b, body, m - body);
		xv_buf_add(&b, link, strlen(link));
		body = m + 6;
	}
	xv_buf_add(&b, body, strlen(body));
	return b.p;
}

/* The message of row 0 of r, or NULL (the token cannot be unsealed). */
static char *
compose(PGresult *r, const char *msgid)
{
	struct xv_buf	 b = { 0 };
	unsigned char	 key[32], *tok = NULL;
	size_t		 n = 0;
	char		*link = NULL, *text = NULL, date[64];
	time_t		 now = time(NULL);

	if (xv_hex32(xv_conf_get("outbox_key", ""), key) == 0)
		tok = xv_unseal(key, xv_val(r, 0, "token_sealed"), &n);
	explicit_bzero(key, sizeof(key));
	if (tok == NULL || asprintf(&link, "%s/invite/%.*s",
	    xv_conf_get("public_url", xv_issuer()), (int)n, tok) < 0)
		goto out;
	text = with_link(xv_val(r, 0, "body"), link);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    gmtime(&now));
	add_header(&b, "Date", date);
	add_header(&b, "From", xv_conf_get("mail_from",
	    MAIL_FROM_DEF));
	add_header(&b, "To", xv_val(r, 0, "recipient"));
	add_subject(&b, xv_val(r, 0, "subject"));
	add_header(&b, "Message-ID", msgid);
	XV_BUF_LIT(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	add_qp(&b, text);
out:
	if (tok != NULL)
		explicit_bzero(tok, n);
	free(tok);
	xv_free_secret(link);
	xv_free_secret(text);
	return b.p;
}

struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
reader(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload	*u = arg;
	size_t		 n = size * nmemb < u->left ? size * nmemb : u->left;

	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/*
 * Hands msg to the SMTP server for rcpt; 0 once the server accepted it,
 * else -1 with why (a static string or curl's) in err.
 */
static int
smtp_send(const char *rcpt, const char *msg, char err[CURL_ERROR_SIZE])
{
	CURL			*c;
	struct curl_slist	*to = NULL;
	struct upload		 u = { msg, strlen(msg) };
	const char		*tls = xv_conf_get("smtp_tls", "required");
	const char		*user = xv_conf_get("smtp_user", NULL);
	char			*from = bare_address(xv_conf_get("mail_from",
				    MAIL_FROM_DEF)), *r = NULL;
	CURLcode		 rc = CURLE_FAILED_INIT;

	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL || from == NULL ||
	    asprintf(&r, "<%s>", rcpt) < 0 ||
	    (to = curl_slist_append(NULL, r)) == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, xv_conf_get("smtp_url",
	    "smtp://127.0.0.1:25"));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, strcmp(tls, "none") == 0 ?
	    CURLUSESSL_NONE : strcmp(tls, "try") == 0 ? CURLUSESSL_TRY :
	    CURLUSESSL_ALL);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    xv_conf_get("smtp_password", ""));
	}
	if (xv_conf_get("smtp_ca_file", NULL) != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO,
		    xv_conf_get("smtp_ca_file", NULL));
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, reader);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, xv_conf_int("smtp_timeout", 60));
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK && err[0] == '\0')
		snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
out:
	if (rc == CURLE_FAILED_INIT && err[0] == '\0')
		snprintf(err, CURL_ERROR_SIZE, "cannot set up the transfer");
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	free(from);
	free(r);
	return rc == CURLE_OK ? 0 : -1;
}

/* Seconds before try attempts + 1: retry_base doubled, up to retry_max. */
static long
backoff(long attempts)
{
	long	base = xv_conf_int("retry_base", 30);
	long	max = xv_conf_int("retry_max", 3600), d = base < 1 ? 1 : base;

	while (attempts-- > 0 && d < max)
		d *= 2;
	return d > max ? max : d;
}

/*
 * Delivers one due message in a transaction of its own.  1 if one was
 * handled (sent or put off), 0 if none is due, -1 on a database failure.
 */
static int
deliver_one(void)
{
	PGresult	*r = NULL, *u = NULL;
	enum xv_err	 e;
	char		 err[CURL_ERROR_SIZE], msgid[128], delay[24], *msg;
	const char	*dom, *from = xv_conf_get("mail_from", MAIL_FROM_DEF);
	int		 rc = -1;

	if (xv_db_begin() != XV_OK)
		return -1;
	if ((r = xv_db_call(ST_DUE, NULL, 0, &e)) == NULL)
		goto out;
	if (PQntuples(r) == 0) {
		rc = 0;
		goto out;
	}
	/* Fixed by the row: every try, and a duplicate, has the same one. */
	dom = strrchr(from, '@');
	snprintf(msgid, sizeof(msgid), "<%s@%.*s>", xv_val(r, 0, "id"),
	    dom ? (int)strcspn(dom + 1, ">") : 14,
	    dom ? dom + 1 : "xavyo.invalid");
	if ((msg = compose(r, msgid)) == NULL)
		snprintf(err, sizeof(err), "cannot unseal the token "
		    "(outbox_key?)");
	if (msg != NULL && smtp_send(xv_val(r, 0, "recipient"), msg, err) == 0) {
		u = xv_db_call(ST_SENT, XV_ARGS({ "id", xv_val(r, 0, "id") }),
		    &e);
		if (u != NULL)
			xv_log("info", __func__, NULL, "sent %s as %s",
			    xv_val(r, 0, "id"), msgid);
	} else {
		snprintf(delay, sizeof(delay), "%ld",
		    backoff(atol(xv_val(r, 0, "attempts"))));
		u = xv_db_call(ST_FAILED, XV_ARGS({ "id", xv_val(r, 0, "id") },
		    { "error", err }, { "delay", delay }), &e);
		xv_log("warning", __func__, NULL, "%s not sent (%s); next try "
		    "in %s s", xv_val(r, 0, "id"), err, delay);
	}
	xv_free_secret(msg);
	if (u != NULL)
		rc = 1;
out:
	PQclear(r);
	PQclear(u);
	if (rc >= 0 && xv_db_commit() != XV_OK)
		rc = -1;
	else if (rc < 0)
		xv_db_rollback();
	return rc;
}

/* Waits for a NOTIFY, the next retry due, poll_interval, or a signal. */
static void
wait_for_mail(void)
{
	PGconn		*conn = xv_db_conn();
	PGresult	*r;
	PGnotify	*n;
	enum xv_err	 e;
	long		 ms = xv_conf_int("poll_interval", 30) * 1000;
	struct pollfd	 pfd;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		sleep(1);
		return;
	}
	PQclear(PQexec(conn, "LISTEN xavyo_mail"));
	if ((r = xv_db_call(ST_NEXT, NULL, 0, &e)) != NULL &&
	    !xv_val_null(r, 0, "ms") && atol(xv_val(r, 0, "ms")) < ms)
		ms = atol(xv_val(r, 0, "ms"));
	/* Due now yet not ours (another sender holds it): not a spin. */
	if (ms < 100)
		ms = 100;
	PQclear(r);
	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	if (!stopping && ms > 0 && poll(&pfd, 1, (int)ms) > 0)
		PQconsumeInput(conn);
	while ((n = PQnotifies(conn)) != NULL)
		PQfreemem(n);
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	int		 ch, check = 0, once = 0, rc = 0;

	while ((ch = getopt(argc, argv, "n1")) != -1) {
		switch (ch) {
		case 'n':
			check = 1;
			break;
		case '1':
			once = 1;
			break;
		default:
			fprintf(stderr, "usage: xavyo-mailer [-n1]\n");
			return 2;
		}
	}
	if (xv_conf_load("mailer") != 0) {
		xv_log("error", __func__, NULL, "cannot read configuration");
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	if (xv_db_init(stmts, ST__MAX) != 0 && check) {
		fprintf(stderr, "xavyo-mailer: database check failed\n");
		return 1;
	}
	if (check) {
		printf("xavyo-mailer: configuration and database OK\n");
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: poll must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	xv_log("info", __func__, NULL, "delivering to %s",
	    xv_conf_get("smtp_url", "smtp://127.0.0.1:25"));
	while (!stopping) {
		/* A message is finished, never cut, when a signal comes. */
		while (!stopping && (rc = deliver_one()) == 1)
			;
		if (once)
			break;
		if (rc < 0)
			sleep(1);
		wait_for_mail();
	}
	xv_db_finish();
	curl_global_cleanup();
	return 0;
}
