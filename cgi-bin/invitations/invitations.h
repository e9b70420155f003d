/*
 * invitations.h: what the files of invitations.fcgi share: the statement
 * table's indexes (main.c holds the table), the invitation as answers
 * show it, and the handlers of admin.c (the admin API) and accept.c
 * (the invitee's page and the accept), with mail.c's outbox writer.
 */
#ifndef INVITATIONS_H
#define INVITATIONS_H

#define INVITE_TTL	(7 * 86400L)	/* API.md 6: seven days */
#define BULK_MAX	1000		/* invitations one bulk resend touches */

enum stmt {
	ST_TENANT,
	ST_USER_EXISTS,
	ST_EXPIRE_OLD,
	ST_INSERT,
	ST_GET,
	ST_LIST,
	ST_AFTER,
	ST_REVOKE,
	ST_PENDING_OTHER,
	ST_RESEND,
	ST_BULK_STATUS,
	ST_BY_TOKEN,
	ST_USER_INSERT,
	ST_HISTORY_ADD,
	ST_ACCEPTED,
	ST_OUTBOX,
	ST_OUTBOX_CANCEL,
	ST__MAX
};

/* admin.c */
json_t		*invitation_json(PGresult *, int);
json_t		*tenant_settings(struct xv_req *, char **tenant_name);
int		 domain_allowed(json_t *settings, const char *email);
enum xv_err	 invitation_create(struct xv_req *);
enum xv_err	 invitation_list(struct xv_req *);
enum xv_err	 invitation_get(struct xv_req *);
enum xv_err	 invitation_revoke(struct xv_req *);
enum xv_err	 invitation_resend(struct xv_req *);
enum xv_err	 invitation_bulk_resend(struct xv_req *);

/* mail.c */
enum xv_err	 invitation_mail(struct xv_req *, PGresult *inv,
		    const char *token);
enum xv_err	 invitation_mail_cancel(struct xv_req *, const char *id);

/* accept.c */
enum xv_err	 invite_show(struct xv_req *);
enum xv_err	 invite_accept(struct xv_req *);
enum xv_err	 invite_done(struct xv_req *);

#endif /* INVITATIONS_H */
