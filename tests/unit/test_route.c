/*
 * test_route.c: xv_route_match of route.c: exact paths, {param}
 * captures, 404 (-1) against 405 (-2) with the mask of allowed methods,
 * trailing slashes and the number of captures.
 */
#include <string.h>

#include "xv.h"
#include "test_unit.h"

static enum xv_err
nop(struct xv_req *req)
{
	(void)req;
	return XV_OK;
}

static const struct xv_route routes[] = {
	/* 0 */ { XV_GET | XV_POST, "/admin/tenants", .handler = nop },
	/* 1 */ { XV_GET, "/admin/tenants/{id}", .handler = nop },
	/* 2 */ { XV_PUT | XV_DELETE, "/admin/tenants/{id}", .handler = nop },
	/* 3 */ { XV_GET | XV_PUT, "/admin/tenants/{id}/settings", .handler = nop },
	/* 4 */ { XV_POST, "/system/tenants/{id}/suspend", .handler = nop },
	/* 5 */ { XV_GET, "/a/{p1}/{p2}/{p3}/{p4}", .handler = nop },
	/* 6 */ { XV_GET, "/b/{p1}/{p2}/{p3}/{p4}/{p5}", .handler = nop },
	/* 7 */ { XV_POST, "/", .handler = nop },
	/* 8 */ { XV_GET, "/x/{a}/y/{b}", .handler = nop },
};

void
test_route(void)
{
	static const struct {
		const char	*path;
		enum xv_method	 m;
		int		 want;
		unsigned	 allowed;	/* checked when want < 0 */
		int		 np;		/* captures expected */
		const char	*p[XV_PARAMS_MAX];
	} c[] = {
		{ "/admin/tenants", XV_GET, 0, 0, 0, { NULL } },
		{ "/admin/tenants", XV_POST, 0, 0, 0, { NULL } },
		{ "/admin/tenants", XV_DELETE, -2, XV_GET | XV_POST, 0, { NULL } },
		{ "/admin/tenants", XV_HEAD, -2, XV_GET | XV_POST, 0, { NULL } },
		{ "/admin/tenants", 0, -2, XV_GET | XV_POST, 0, { NULL } },
		{ "/admin/tenants/", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenant", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenantsx", XV_GET, -1, 0, 0, { NULL } },
		{ "/Admin/tenants", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenants/t1", XV_GET, 1, 0, 1, { "t1" } },
		{ "/admin/tenants/t1", XV_PUT, 2, 0, 1, { "t1" } },
		{ "/admin/tenants/t1", XV_DELETE, 2, 0, 1, { "t1" } },
		{ "/admin/tenants/t1", XV_POST, -2,
		    XV_GET | XV_PUT | XV_DELETE, 0, { NULL } },
		{ "/admin/tenants/t1/", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenants//settings", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenants/t-9/settings", XV_PUT, 3, 0, 1, { "t-9" } },
		{ "/admin/tenants/t1/settings", XV_POST, -2, XV_GET | XV_PUT,
		    0, { NULL } },
		{ "/admin/tenants/t1/settings/", XV_GET, -1, 0, 0, { NULL } },
		{ "/admin/tenants/t1/other", XV_GET, -1, 0, 0, { NULL } },
		{ "/system/tenants/s/suspend", XV_POST, 4, 0, 1, { "s" } },
		{ "/system/tenants/s/suspend", XV_GET, -2, XV_POST, 0, { NULL } },
		{ "/a/1/2/3/4", XV_GET, 5, 0, 4, { "1", "2", "3", "4" } },
		{ "/a/1/2/3", XV_GET, -1, 0, 0, { NULL } },
		{ "/a/1/2/3/4/5", XV_GET, -1, 0, 0, { NULL } },
		{ "/b/1/2/3/4/5", XV_GET, -1, 0, 0, { NULL } },
		{ "/x/one/y/two", XV_GET, 8, 0, 2, { "one", "two" } },
		{ "/x/one/z/two", XV_GET, -1, 0, 0, { NULL } },
		{ "/", XV_POST, 7, 0, 0, { NULL } },
		{ "/", XV_GET, -2, XV_POST, 0, { NULL } },
		{ "", XV_GET, -1, 0, 0, { NULL } },
		{ "/nowhere", XV_GET, -1, 0, 0, { NULL } },
	};
	size_t	i;
	int	j;

	for (i = 0; i < NELEM(c); i++) {
		const char	*params[XV_PARAMS_MAX] = { NULL };
		unsigned	 allowed = 0xdead;
		int		 got;

		t_begin("route", "method 0x%x %s", (unsigned)c[i].m,
		    t_show(c[i].path));
		got = xv_route_match(routes, NELEM(routes), c[i].path, c[i].m,
		    params, &allowed, NULL);
		EXPECT(got == c[i].want, "got %d, want %d", got, c[i].want);
		if (c[i].want < 0)
			EXPECT(allowed == c[i].allowed,
			    "allowed 0x%x, want 0x%x", allowed, c[i].allowed);
		for (j = 0; j < XV_PARAMS_MAX; j++) {
			if (j < c[i].np)
				EXPECT(t_streq(params[j], c[i].p[j]),
				    "params[%d] = %s, want %s", j,
				    t_show(params[j]), t_show(c[i].p[j]));
			else
				EXPECT(params[j] == NULL,
				    "params[%d] = %s, want none", j,
				    t_show(params[j]));
		}
	}

	t_begin("route", "an empty table answers 404");
	{
		const char	*params[XV_PARAMS_MAX] = { NULL };
		unsigned	 allowed = 1;

		EXPECT(xv_route_match(routes, 0, "/admin/tenants", XV_GET,
		    params, &allowed, NULL) == -1 && allowed == 0,
		    "empty table did not give -1 with nothing allowed");
	}

	t_begin("route", "the first route in table order wins");
	{
		static const struct xv_route dup[] = {
			{ XV_GET, "/d/{x}", .handler = nop },
			{ XV_GET, "/d/{y}", .handler = nop },
			{ XV_GET, "/d/fixed", .handler = nop },
		};
		const char	*params[XV_PARAMS_MAX] = { NULL };
		unsigned	 allowed;
		int		 got;

		got = xv_route_match(dup, NELEM(dup), "/d/fixed", XV_GET,
		    params, &allowed, NULL);
		EXPECT(got == 0, "got %d, want 0", got);
		EXPECT(t_streq(params[0], "fixed"), "params[0] = %s",
		    t_show(params[0]));
	}

	t_begin("route", "a 405 names the first route of the resource");
	{
		static const struct xv_route res[] = {
			{ XV_GET, "/a", .handler = nop },
			{ XV_POST, "/r/{id}", .style = XV_STYLE_OAUTH, .handler = nop },
			{ XV_PUT, "/r/{id}", .handler = nop },
		};
		const char	*params[XV_PARAMS_MAX] = { NULL };
		unsigned	 allowed;
		int		 got, resource = 7;

		got = xv_route_match(res, NELEM(res), "/r/1", XV_GET,
		    params, &allowed, &resource);
		EXPECT(got == -2 && resource == 1 &&
		    allowed == (XV_POST | XV_PUT),
		    "got %d, resource %d, allowed 0x%x", got, resource, allowed);
		got = xv_route_match(res, NELEM(res), "/none", XV_GET,
		    params, &allowed, &resource);
		EXPECT(got == -1 && resource == -1, "got %d, resource %d", got,
		    resource);
	}
}
