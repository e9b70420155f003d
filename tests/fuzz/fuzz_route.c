/* fuzz_route.c: route matching with {param} captures (route.c). */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

static enum xv_err
nop(struct xv_req *req)
{
	(void)req;
	return XV_OK;
}

static const struct xv_route routes[] = {
	{ XV_GET | XV_POST, "/admin/tenants", .handler = nop },
	{ XV_GET | XV_PUT, "/admin/tenants/{tenant_id}/settings", .handler = nop },
	{ XV_DELETE, "/admin/api-keys/{id}", .handler = nop },
	{ XV_GET, "/a/{p1}/{p2}/{p3}/{p4}", .handler = nop },
	{ XV_POST, "/x/{a}/y/{b}", .handler = nop },
	{ XV_POST, "/", .handler = nop },
};

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char	*params[XV_PARAMS_MAX];
	char		*s = malloc(n + 1);
	unsigned	 allowed;
	int		 i, res, m;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	for (m = XV_GET; m <= XV_OPTIONS; m <<= 1) {
		memset(params, 0, sizeof(params));
		i = xv_route_match(routes, XV_NELEM(routes), s, m, params,
		    &allowed, &res);
		if (i >= (int)XV_NELEM(routes) || i < -2 ||
		    (i == -2 && (allowed == 0 || res < 0)))
			abort();
	}
	free(s);
	return 0;
}
