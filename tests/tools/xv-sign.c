/*
 * xv-sign: signs any header and claims with the stack's current signing
 * key, so that the Bats suites can present tokens that are correctly
 * signed yet wrong in every other way (audience, nbf, crit, lifetime,
 * type).  A test tool, built by make check and never installed: it reads
 * the owner's configuration, as xavyoctl does.
 *
 *   xv-sign HEADER-JSON CLAIMS-JSON
 *
 * A header without "kid" gets the signing key's; "alg" defaults to ES256.
 */
#include <stdio.h>
#include <stdlib.h>

#include "xv.h"

int
main(int argc, char *argv[])
{
	json_t		*h, *c;
	struct xv_eckey	*k;
	char		*kid, *tok;
	json_error_t	 err;

	if (argc != 3) {
		fprintf(stderr, "usage: xv-sign header-json claims-json\n");
		return 2;
	}
	if ((h = json_loads(argv[1], 0, &err)) == NULL ||
	    (c = json_loads(argv[2], 0, &err)) == NULL) {
		fprintf(stderr, "xv-sign: %s\n", err.text);
		return 2;
	}
	if (xv_conf_load("owner") != 0)
		return 1;
	xv_db_init(NULL, 0);
	if ((k = xv_keys_signer(&kid)) == NULL) {
		fprintf(stderr, "xv-sign: no signing key\n");
		return 1;
	}
	if (json_object_get(h, "kid") == NULL)
		json_object_set_new(h, "kid", json_string(kid));
	if (json_object_get(h, "alg") == NULL)
		json_object_set_new(h, "alg", json_string("ES256"));
	if ((tok = xv_jws_sign(k, h, c)) == NULL)
		return 1;
	printf("%s\n", tok);
	free(tok);
	json_decref(h);
	json_decref(c);
	xv_db_finish();
	return 0;
}
