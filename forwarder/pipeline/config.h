/* SPDX-License-Identifier: MIT */
/*
 * YAML configuration: libyaml events -> a small tree of nodes that remember
 * their line, so every later error can say FILE:LINE: key: reason.
 *
 * ${NAME} and ${NAME:-default} in scalars are replaced from the environment
 * while loading (an unset NAME without default is an error).
 */
#ifndef DT_CONFIG_H
#define DT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/plugin.h"

enum dt_node_kind { DT_NODE_SCALAR, DT_NODE_SEQ, DT_NODE_MAP };

struct dt_node {
	enum dt_node_kind kind;
	int line;		/* 1-based */
	bool quoted;		/* scalar written with quotes */
	char *value;		/* scalar text (after ${ENV} substitution) */
	size_t n;		/* SEQ: items, MAP: entries */
	size_t cap;		/* allocated items (grows geometrically) */
	struct dt_node **items; /* SEQ items / MAP values */
	char **keys;		/* MAP keys */
	int *key_lines;
};

/* Limits: what a sane config never reaches (bounded memory on hostile files). */
#define DT_CONFIG_MAX_NODES 2000000
#define DT_CONFIG_MAX_DEPTH 32

/*
 * Parse YAML text. `file` names it in errors ("FILE:LINE: reason").
 * An empty document gives an empty map. Returns 0 and *root, or negative
 * errno with err filled.
 */
int dt_node_parse(const char *text, size_t len, const char *file, struct dt_node **root,
		  struct dt_errbuf *err);
/* Whole file as a NUL-terminated string (malloc'd), bounded in size. */
int dt_read_text_file(const char *path, char **text, struct dt_errbuf *err);
int dt_node_load_file(const char *path, struct dt_node **root, struct dt_errbuf *err);
void dt_node_free(struct dt_node *node);

/* Value of key in a MAP node, NULL if absent (or node not a map). */
const struct dt_node *dt_node_get(const struct dt_node *map, const char *key);
/* Index of key in a MAP node, -1 if absent. */
int dt_node_index(const struct dt_node *map, const char *key);

/* Building nodes (command-line overrides). Scalars get line 0. Return NULL on ENOMEM. */
struct dt_node *dt_node_new_scalar(const char *value);
struct dt_node *dt_node_new(enum dt_node_kind kind);
/* Set key in a MAP (replacing and freeing an old value); takes value. */
int dt_node_map_set(struct dt_node *map, const char *key, struct dt_node *value);
/* Append to a SEQ; takes item. */
int dt_node_seq_append(struct dt_node *seq, struct dt_node *item);

/* A canonical string of a subtree (kinds, keys, values after ${ENV}), to tell
 * whether two plugin configurations are the same. malloc'd; NULL on ENOMEM. */
char *dt_node_signature(const struct dt_node *node);

/* Fill err as "FILE:LINE: fmt..." */
void dt_errf(struct dt_errbuf *err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
