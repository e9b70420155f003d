/* fuzz_json.c: a JSON body checked against a nested field table
 * (json.c), as dispatch checks every JSON body. */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

static const char *const plans[] = { "free", "enterprise", NULL };

static const struct xv_field inner[] = {
	{ "min_length", XV_F_INT, 0, 8, 128, NULL, NULL, NULL },
	{ "require_numbers", XV_F_BOOL, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

static const struct xv_field fields[] = {
	{ "name", XV_F_STRING, 1, 1, 200, NULL, NULL, NULL },
	{ "slug", XV_F_STRING, 0, 3, 63, NULL, xv_valid_slug, NULL },
	{ "plan", XV_F_STRING, 0, 0, 0, plans, NULL, NULL },
	{ "policy", XV_F_OBJECT, 0, 0, 0, NULL, NULL, inner },
	{ "domains", XV_F_STRINGS, 0, 0, 100, NULL, xv_valid_dns_name, NULL },
	{ "any", XV_F_ANY, 0, 0, 0, NULL, NULL, NULL },
	XV_FIELDS_END
};

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct xv_req	 req;
	json_t		*j = NULL;

	memset(&req, 0, sizeof(req));
	req.body = malloc(n + 1);
	if (req.body == NULL)
		return 0;
	memcpy(req.body, data, n);
	req.body[n] = '\0';
	req.body_len = n;
	if (xv_req_json(&req, &j) == XV_OK) {
		(void)xv_json_check(&req, j, fields, "");
		json_decref(j);
	}
	/* Whatever failed, the problem body is JSON and never empty. */
	xv_resp_problem(&req, XV_E_VALIDATION);
	if (req.out.len == 0 || (j = json_loadb(req.out.p, req.out.len, 0,
	    NULL)) == NULL)
		abort();
	json_decref(j);
	free(req.body);
	xv_buf_free(&req.out);
	xv_buf_free(&req.headers);
	return 0;
}
