/*
 * json.c: strict JSON bodies.  A body is checked against a table of
 * fields (name, type, required, range, enumeration, validator, nested
 * fields); an unknown key, a wrong type or a value out of range is a 400
 * naming the field by its JSON path, so that a typo is never ignored.
 */
#include <stdio.h>
#include <string.h>

#include "xv.h"

static const char *
tname(enum xv_ftype t)
{
	switch (t) {
	case XV_F_STRING:	return "a string";
	case XV_F_INT:		return "an integer";
	case XV_F_BOOL:		return "a boolean";
	case XV_F_OBJECT:	return "an object";
	case XV_F_STRINGS:	return "an array of strings";
	default:		return "a value";
	}
}

static int
in_oneof(const char *const *set, const char *v)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, v) == 0)
			return 1;
	return 0;
}

static enum xv_err
check_string(struct xv_req *req, const struct xv_field *f, const char *path,
    const char *v)
{
	size_t n = xv_utf8_len(v);

	if (n == (size_t)-1)
		return xv_fail(req, XV_E_VALIDATION, path, "%s is not valid UTF-8",
		    path);
	if (f->max > 0 && (n < (size_t)f->min || n > (size_t)f->max))
		return xv_fail(req, XV_E_VALIDATION, path,
		    "%s must have %ld to %ld characters", path, f->min, f->max);
	if (f->oneof != NULL && !in_oneof(f->oneof, v))
		return xv_fail(req, XV_E_VALIDATION, path,
		    "%s has an unsupported value", path);
	if (f->valid != NULL && !f->valid(v))
		return xv_fail(req, XV_E_VALIDATION, path, "%s is not valid",
		    path);
	return XV_OK;
}

static enum xv_err
check_one(struct xv_req *req, const struct xv_field *f, json_t *v,
    const char *path)
{
	size_t	 i;
	json_t	*it;
	char	 ipath[200];
	enum xv_err rc;

	switch (f->type) {
	case XV_F_STRING:
		if (!json_is_string(v))
			break;
		return check_string(req, f, path, json_string_value(v));
	case XV_F_INT:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
			return xv_fail(req, XV_E_VALIDATION, path,
			    "%s must be between %ld and %ld", path, f->min,
			    f->max);
		return XV_OK;
	case XV_F_BOOL:
		if (!json_is_boolean(v))
			break;
		return XV_OK;
	case XV_F_OBJECT:
		if (!json_is_object(v))
			break;
		return xv_json_check(req, v, f->sub, path);
	case XV_F_STRINGS:
		if (!json_is_array(v))
			break;
		if (json_array_size(v) < (size_t)f->min ||
		    json_array_size(v) > (size_t)f->max)
			return xv_fail(req, XV_E_VALIDATION, path,
			    "%s must have %ld to %ld items", path, f->min, f->max);
		json_array_foreach(v, i, it) {
			struct xv_field item = *f;

			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
			if (!json_is_string(it))
				return xv_fail(req, XV_E_VALIDATION, ipath,
				    "%s must be a string", ipath);
			item.min = 1;
			item.max = 255;
			if ((rc = check_string(req, &item, ipath,
			    json_string_value(it))) != XV_OK)
				return rc;
		}
		return XV_OK;
	case XV_F_ANY:
		return XV_OK;
	}
	return xv_fail(req, XV_E_VALIDATION, path, "%s must be %s", path,
	    tname(f->type));
}

enum xv_err
xv_json_check(struct xv_req *req, json_t *obj, const struct xv_field *fields,
    const char *prefix)
{
	const char		*key;
	json_t			*v;
	const struct xv_field	*f;
	char			 path[160];
	enum xv_err		 rc;

	json_object_foreach(obj, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
		    prefix && *prefix ? "." : "", key);
		if (f->name == NULL)
			return xv_fail(req, XV_E_UNKNOWN_FIELD, path,
			    "unknown field %s", path);
		if (json_is_null(v) && !f->required)
			return xv_fail(req, XV_E_VALIDATION, path,
			    "%s must not be null", path);
		if ((rc = check_one(req, f, v, path)) != XV_OK)
			return rc;
	}
	for (f = fields; f->name != NULL; f++) {
		if (!f->required || json_object_get(obj, f->name) != NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
		    prefix && *prefix ? "." : "", f->name);
		return xv_fail(req, XV_E_VALIDATION, path, "%s is required",
		    path);
	}
	return XV_OK;
}

void
xv_json_merge(json_t *dst, json_t *src)
{
	const char	*key;
	json_t		*v, *d;

	json_object_foreach(src, key, v) {
		d = json_object_get(dst, key);
		if (json_is_object(v) && json_is_object(d))
			xv_json_merge(d, v);
		else
			json_object_set(dst, key, v);
	}
}
