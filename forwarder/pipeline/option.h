/* SPDX-License-Identifier: MIT */
/*
 * Declarative option tables: one per plugin (and one for `service`).
 *
 * A table fills the plugin's context struct from the YAML config, checks
 * types and ranges, rejects unknown keys (with FILE:LINE), and generates the
 * help text and the dnstrail.yaml(5) reference. Keys are the YAML keys.
 *
 *   struct zmq_ctx { char **publish; size_t n_publish; int64_t sndhwm; };
 *   static const struct dt_option zmq_options[] = {
 *       DT_OPT_STR_LIST("publish", struct zmq_ctx, publish, n_publish,
 *                       "ZeroMQ endpoints to bind"),
 *       DT_OPT_INT("sndhwm", struct zmq_ctx, sndhwm, "10000", 1, 10000000,
 *                  "messages queued per subscriber before counting drops"),
 *       {0}
 *   };
 */
#ifndef DT_OPTION_H
#define DT_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dt_option_type {
	DT_OPTION_STRING, /* char * (owned, strdup'd); NULL when unset, no default */
	DT_OPTION_INT, /* int64_t, range-checked */
	DT_OPTION_BOOL, /* bool: true/false/yes/no/on/off */
	DT_OPTION_DURATION, /* uint64_t ns: "5s", "250ms", "2m", or plain seconds */
	DT_OPTION_SIZE, /* uint64_t bytes: "64k", "16M", or plain bytes */
	DT_OPTION_STRING_LIST, /* char ** + size_t count; a scalar is a 1-list */
	DT_OPTION_INT_LIST, /* int64_t * + size_t count, each range-checked; a scalar is a 1-list */
};

struct dt_option {
	const char *key;
	enum dt_option_type type;
	size_t offset; /* of the value in the context struct */
	size_t count_offset; /* STRING_LIST: of the size_t count */
	const char *default_value; /* as YAML text; NULL = no default */
	int64_t min, max; /* INT/DURATION(s)/SIZE range; both 0 = unchecked */
	bool required;
	const char *help; /* one line, for --help and the man page */
	const char *const *choices; /* STRING: the allowed values, NULL-ended; NULL = any */
};

#define DT_OPT_STR(k, st, f, def, h) \
	{ .key = (k), .type = DT_OPTION_STRING, .offset = offsetof(st, f), .default_value = (def), .help = (h) }
#define DT_OPT_STR_REQ(k, st, f, h) \
	{ .key = (k), .type = DT_OPTION_STRING, .offset = offsetof(st, f), .required = true, .help = (h) }
#define DT_OPT_INT(k, st, f, def, lo, hi, h)                                                  \
	{ .key = (k), .type = DT_OPTION_INT, .offset = offsetof(st, f), .default_value = (def), \
	  .min = (lo), .max = (hi), .help = (h) }
#define DT_OPT_BOOL(k, st, f, def, h) \
	{ .key = (k), .type = DT_OPTION_BOOL, .offset = offsetof(st, f), .default_value = (def), .help = (h) }
#define DT_OPT_DURATION(k, st, f, def, h) \
	{ .key = (k), .type = DT_OPTION_DURATION, .offset = offsetof(st, f), .default_value = (def), .help = (h) }
#define DT_OPT_SIZE(k, st, f, def, h) \
	{ .key = (k), .type = DT_OPTION_SIZE, .offset = offsetof(st, f), .default_value = (def), .help = (h) }
#define DT_OPT_STR_LIST(k, st, f, n, h)                                                     \
	{ .key = (k), .type = DT_OPTION_STRING_LIST, .offset = offsetof(st, f),               \
	  .count_offset = offsetof(st, n), .help = (h) }

#define DT_OPT_CHOICE(k, st, f, def, ch, h)                                                   \
	{ .key = (k), .type = DT_OPTION_STRING, .offset = offsetof(st, f), .default_value = (def), \
	  .choices = (ch), .help = (h) }
#define DT_OPT_INT_LIST(k, st, f, n, def, lo, hi, h)                                         \
	{ .key = (k), .type = DT_OPTION_INT_LIST, .offset = offsetof(st, f),                  \
	  .count_offset = offsetof(st, n), .default_value = (def), .min = (lo), .max = (hi),  \
	  .help = (h) }

#endif
