/*
 * fuzz_jwt.c: JWT parsing and claims (auth.c): xv_jwt_peek, and
 * xv_jwt_verify for every use, with a key in the cache under kid "k"
 * and no database (an unknown kid fails to be looked up).  The fuzzer
 * can reach the claims checks only through a valid signature, so half
 * of the inputs are taken as claims and signed here first.
 */
#include <stdlib.h>
#include <string.h>

#include "xv.h"

static struct xv_eckey *key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *pem;

	(void)argc;
	(void)argv;
	setenv("XAVYO_ISSUER", "https://idp.fuzz", 1);
	setenv("XAVYO_DATABASE", "host=/nonexistent-xavyo-fuzz", 1);
	key = xv_eckey_generate();
	pem = xv_eckey_public_pem(key);
	xv_keys_cache_put("k", pem);
	free(pem);
	return 0;
}

static void
verify_all(const char *tok)
{
	json_t	*j;
	int	 u;

	json_decref(xv_jwt_peek(tok));
	for (u = XV_USE_BEARER; u <= XV_USE_ID_HINT; u++) {
		j = xv_jwt_verify(tok, (enum xv_tok_use)u);
		if (j != NULL && !json_is_object(j))
			abort();
		json_decref(j);
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	char	*s = malloc(n + 1), *tok;
	json_t	*h, *cl;

	if (s == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	if (n > 0 && (data[0] & 1) &&
	    (cl = json_loads(s + 1, JSON_REJECT_DUPLICATES, NULL)) != NULL) {
		h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "kid", "k",
		    "typ", (data[0] & 2) ? "at+jwt" : "JWT");
		if ((tok = xv_jws_sign(key, h, cl)) != NULL)
			verify_all(tok);
		free(tok);
		json_decref(h);
		json_decref(cl);
	} else
		verify_all(s);
	free(s);
	return 0;
}
