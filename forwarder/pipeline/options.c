// SPDX-License-Identifier: MIT
/* Declarative option tables: config node -> plugin context, with checks. */
#include "pipeline/options.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DT_LIST_MAX 1000000 /* items per list option (domain lists can be long) */

int dt_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_scaled(const char *s, const char *const *units, const double *mult, size_t n,
			double def_mult, double *out)
{
	char *end;
	double v;

	while (*s == ' ')
		s++;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!*end) {
		*out = v * def_mult;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(end, units[i]) == 0) {
			*out = v * mult[i];
			return 0;
		}
	}
	return -EINVAL;
}

int dt_parse_duration(const char *s, uint64_t *ns)
{
	static const char *const units[] = {"ns", "us", "ms", "s", "m", "h", "d"};
	static const double mult[] = {1, 1e3, 1e6, 1e9, 60e9, 3600e9, 86400e9};
	double v;
	int rc = parse_scaled(s, units, mult, 7, 1e9, &v);

	if (rc)
		return rc;
	if (v >= 1.8e19)
		return -ERANGE;
	*ns = (uint64_t)v;
	return 0;
}

int dt_parse_size(const char *s, uint64_t *bytes)
{
	static const char *const units[] = {"B",   "k", "K",  "kB",  "KB", "KiB", "M",	"MB",
					    "MiB", "G", "GB", "GiB", "T",  "TB",  "TiB"};
	static const double mult[] = {1,
				      1024.0,
				      1024.0,
				      1024.0,
				      1024.0,
				      1024.0,
				      1048576.0,
				      1048576.0,
				      1048576.0,
				      1073741824.0,
				      1073741824.0,
				      1073741824.0,
				      1099511627776.0,
				      1099511627776.0,
				      1099511627776.0};
	double v;
	int rc = parse_scaled(s, units, mult, 15, 1, &v);

	if (rc)
		return rc;
	if (v >= 1.8e19 || v != floor(v))
		return -ERANGE;
	*bytes = (uint64_t)v;
	return 0;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *type_name(enum dt_option_type t)
{
	switch (t) {
	case DT_OPTION_STRING:
		return "string";
	case DT_OPTION_INT:
		return "integer";
	case DT_OPTION_BOOL:
		return "boolean";
	case DT_OPTION_DURATION:
		return "duration";
	case DT_OPTION_SIZE:
		return "size";
	case DT_OPTION_STRING_LIST:
		return "list of strings";
	case DT_OPTION_INT_LIST:
		return "list of integers";
	}
	return "?";
}

static bool ranged(const struct dt_option *o)
{
	return o->min != 0 || o->max != 0;
}

static int check_int(const struct dt_option *o, const struct dt_node *n, const char *file,
		     int64_t *v, struct dt_errbuf *err)
{
	if (n->kind != DT_NODE_SCALAR || parse_int(n->value, v)) {
		dt_errf(err, file, n->line, "%s: expected an integer, got %s%s%s", o->key,
			n->kind == DT_NODE_SCALAR ? "\"" : "",
			n->kind == DT_NODE_SCALAR ? n->value
			: n->kind == DT_NODE_MAP  ? "a map"
						  : "a list",
			n->kind == DT_NODE_SCALAR ? "\"" : "");
		return -EINVAL;
	}
	if (ranged(o) && (*v < o->min || *v > o->max)) {
		dt_errf(err, file, n->line,
			"%s: %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", o->key, *v,
			o->min, o->max);
		return -ERANGE;
	}
	return 0;
}

/* Items of a list option: a SEQ of scalars, or one scalar. */
static int list_items(const struct dt_option *o, const struct dt_node *n, const char *file,
		      const struct dt_node *const **items, size_t *count, struct dt_errbuf *err)
{
	static __thread const struct dt_node *one[1];

	if (n->kind == DT_NODE_SCALAR) {
		one[0] = n;
		*items = one;
		*count = 1;
		return 0;
	}
	if (n->kind != DT_NODE_SEQ) {
		dt_errf(err, file, n->line, "%s: expected a %s, got a map", o->key,
			type_name(o->type));
		return -EINVAL;
	}
	if (n->n > DT_LIST_MAX) {
		dt_errf(err, file, n->line, "%s: more than %d items", o->key, DT_LIST_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != DT_NODE_SCALAR) {
			dt_errf(err, file, n->items[i]->line, "%s: list items must be scalars",
				o->key);
			return -EINVAL;
		}
	}
	*items = (const struct dt_node *const *)n->items;
	*count = n->n;
	return 0;
}

static int set_value(const struct dt_option *o, void *ctx, const struct dt_node *n,
		     const char *file, struct dt_errbuf *err)
{
	char *field = (char *)ctx + o->offset;
	const struct dt_node *const *items;
	size_t count;
	int rc;

	switch (o->type) {
	case DT_OPTION_STRING: {
		char *s;

		if (n->kind != DT_NODE_SCALAR) {
			dt_errf(err, file, n->line, "%s: expected a string, got a %s", o->key,
				n->kind == DT_NODE_MAP ? "map" : "list");
			return -EINVAL;
		}
		if (o->choices) {
			const char *const *c;

			for (c = o->choices; *c; c++)
				if (strcmp(*c, n->value) == 0)
					break;
			if (!*c) {
				char list[256] = "";

				for (c = o->choices; *c; c++)
					snprintf(list + strlen(list), sizeof(list) - strlen(list),
						 "%s%s", c == o->choices ? "" : ", ", *c);
				dt_errf(err, file, n->line, "%s: \"%s\" is not one of %s", o->key,
					n->value, list);
				return -EINVAL;
			}
		}
		s = strdup(n->value);
		if (!s)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = s;
		return 0;
	}
	case DT_OPTION_INT:
		return check_int(o, n, file, (int64_t *)field, err);
	case DT_OPTION_BOOL:
		if (n->kind != DT_NODE_SCALAR || dt_parse_bool(n->value, (bool *)field)) {
			dt_errf(err, file, n->line, "%s: expected true or false", o->key);
			return -EINVAL;
		}
		return 0;
	case DT_OPTION_DURATION:
	case DT_OPTION_SIZE: {
		uint64_t v;
		bool dur = o->type == DT_OPTION_DURATION;
		int64_t cmp;

		if (n->kind != DT_NODE_SCALAR ||
		    (dur ? dt_parse_duration(n->value, &v) : dt_parse_size(n->value, &v))) {
			dt_errf(err, file, n->line, "%s: expected a %s (%s), got %s%s%s", o->key,
				type_name(o->type),
				dur ? "e.g. 5s, 250ms, 2m" : "e.g. 4096, 64k, 16M",
				n->kind == DT_NODE_SCALAR ? "\"" : "",
				n->kind == DT_NODE_SCALAR ? n->value : "a collection",
				n->kind == DT_NODE_SCALAR ? "\"" : "");
			return -EINVAL;
		}
		/* duration ranges are in whole seconds, except that 0 < v < 1s counts as >= 0 */
		cmp = dur ? (int64_t)(v / 1000000000ull) : (int64_t)v;
		if (ranged(o) && (cmp < o->min || cmp > o->max || (dur && o->min > 0 && v == 0))) {
			dt_errf(err, file, n->line,
				"%s: \"%s\" is out of range [%" PRId64 "%s, %" PRId64 "%s]", o->key,
				n->value, o->min, dur ? "s" : "", o->max, dur ? "s" : "");
			return -ERANGE;
		}
		*(uint64_t *)field = v;
		return 0;
	}
	case DT_OPTION_STRING_LIST: {
		char **list;

		rc = list_items(o, n, file, &items, &count, err);
		if (rc)
			return rc;
		list = calloc(count ? count : 1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		for (size_t i = 0; i < count; i++) {
			list[i] = strdup(items[i]->value);
			if (!list[i]) {
				while (i--)
					free(list[i]);
				free(list);
				return -ENOMEM;
			}
		}
		/* replace (a default) */
		for (size_t i = 0; i < *(size_t *)((char *)ctx + o->count_offset); i++)
			free((*(char ***)field)[i]);
		free(*(char ***)field);
		*(char ***)field = list;
		*(size_t *)((char *)ctx + o->count_offset) = count;
		return 0;
	}
	case DT_OPTION_INT_LIST: {
		int64_t *list;

		rc = list_items(o, n, file, &items, &count, err);
		if (rc)
			return rc;
		list = calloc(count ? count : 1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		for (size_t i = 0; i < count; i++) {
			rc = check_int(o, items[i], file, &list[i], err);
			if (rc) {
				free(list);
				return rc;
			}
		}
		free(*(int64_t **)field);
		*(int64_t **)field = list;
		*(size_t *)((char *)ctx + o->count_offset) = count;
		return 0;
	}
	}
	return -EINVAL;
}

static bool is_reserved(const char *const *reserved, const char *key)
{
	for (; reserved && *reserved; reserved++)
		if (strcmp(*reserved, key) == 0)
			return true;
	return false;
}

static const struct dt_option *find_option(const struct dt_option *opts, const char *key)
{
	for (; opts && opts->key; opts++)
		if (strcmp(opts->key, key) == 0)
			return opts;
	return NULL;
}

static int apply_default(const struct dt_option *o, void *ctx, const char *file, int line,
			 struct dt_errbuf *err)
{
	struct dt_node *n;
	int rc = dt_node_parse(o->default_value, strlen(o->default_value), "<default>", &n, err);

	if (rc)
		return rc;
	n->line = line;
	rc = set_value(o, ctx, n, file, err);
	dt_node_free(n);
	return rc;
}

int dt_options_apply(const struct dt_option *opts, void *ctx, const struct dt_node *map,
		     const char *const *reserved, const char *file, struct dt_errbuf *err)
{
	int line = map ? map->line : 0;
	int rc;

	if (map && map->kind != DT_NODE_MAP) {
		dt_errf(err, file, map->line, "expected a map of options");
		return -EINVAL;
	}
	for (size_t i = 0; map && i < map->n; i++) {
		const char *key = map->keys[i];
		const struct dt_option *o = find_option(opts, key);

		if (o || is_reserved(reserved, key))
			continue;
		dt_errf(err, file, map->key_lines[i], "%s: unknown key", key);
		return -EINVAL;
	}
	for (const struct dt_option *o = opts; o && o->key; o++) {
		const struct dt_node *n = dt_node_get(map, o->key);

		if (n)
			rc = set_value(o, ctx, n, file, err);
		else if (o->required) {
			dt_errf(err, file, line, "%s: required key is missing", o->key);
			rc = -EINVAL;
		} else if (o->default_value)
			rc = apply_default(o, ctx, file, line, err);
		else
			rc = 0;
		if (rc) {
			if (rc == -ENOMEM)
				dt_errf(err, file, line, "%s: out of memory", o->key);
			dt_options_free(opts, ctx);
			return rc;
		}
	}
	return 0;
}

void dt_options_free(const struct dt_option *opts, void *ctx)
{
	for (const struct dt_option *o = opts; o && o->key; o++) {
		char *field = (char *)ctx + o->offset;

		switch (o->type) {
		case DT_OPTION_STRING:
			free(*(char **)field);
			*(char **)field = NULL;
			break;
		case DT_OPTION_STRING_LIST: {
			size_t *count = (size_t *)((char *)ctx + o->count_offset);

			for (size_t i = 0; i < *count; i++)
				free((*(char ***)field)[i]);
			free(*(char ***)field);
			*(char ***)field = NULL;
			*count = 0;
			break;
		}
		case DT_OPTION_INT_LIST:
			free(*(int64_t **)field);
			*(int64_t **)field = NULL;
			*(size_t *)((char *)ctx + o->count_offset) = 0;
			break;
		default:
			break;
		}
	}
}

/* roff needs leading dots/quotes and backslashes escaped */
static void man_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void dt_options_print(FILE *out, const char *kind, const char *name, const char *description,
		      const struct dt_option *opts, const char *const *extra_keys, bool man)
{
	if (man) {
		fprintf(out, ".SS %s: %s\n", kind, name);
		man_text(out, description);
		fputs("\n", out);
		for (; extra_keys && *extra_keys; extra_keys += 2) {
			fprintf(out, ".TP\n.B %s\n", extra_keys[0]);
			man_text(out, extra_keys[1]);
			fputs("\n", out);
		}
	} else {
		fprintf(out, "%s %s: %s\n", kind, name, description ? description : "");
		for (; extra_keys && *extra_keys; extra_keys += 2)
			fprintf(out, "  %-18s %-16s %s\n", extra_keys[0], "string", extra_keys[1]);
	}
	for (const struct dt_option *o = opts; o && o->key; o++) {
		char range[256] = "";

		if (ranged(o))
			snprintf(range, sizeof(range), "; range %" PRId64 "..%" PRId64 "%s", o->min,
				 o->max, o->type == DT_OPTION_DURATION ? "s" : "");
		for (const char *const *c = o->choices; c && *c; c++)
			snprintf(range + strlen(range), sizeof(range) - strlen(range), "%s%s",
				 c == o->choices ? "; one of " : ", ", *c);
		if (man) {
			fprintf(out, ".TP\n.BR %s \" (%s%s%s%s%s)\"\n", o->key, type_name(o->type),
				o->required ? ", required" : "",
				o->default_value ? ", default " : "",
				o->default_value ? o->default_value : "", range);
			man_text(out, o->help);
			fputs("\n", out);
		} else {
			fprintf(out, "  %-18s %-16s %s%s%s%s%s%s%s%s\n", o->key, type_name(o->type),
				o->help ? o->help : "", o->required ? " (required)" : "",
				o->default_value ? " [default: " : "",
				o->default_value ? o->default_value : "",
				o->default_value ? "]" : "", range[0] ? " (" : "",
				range[0] ? range + 2 : "", range[0] ? ")" : "");
		}
	}
	if (!man)
		fputs("\n", out);
}
