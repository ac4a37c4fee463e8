// SPDX-License-Identifier: MIT
/* YAML text -> struct dt_node tree with line numbers and ${ENV} substitution. */
#include "pipeline/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define DT_SCALAR_MAX (64 * 1024) /* one value after substitution */

void dt_errf(struct dt_errbuf *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return;
	n = snprintf(err->msg, sizeof(err->msg), "%s:%d: ", file ? file : "<config>", line);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

void dt_node_free(struct dt_node *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->n; i++) {
		dt_node_free(node->items[i]);
		if (node->keys)
			free(node->keys[i]);
	}
	free(node->items);
	free(node->keys);
	free(node->key_lines);
	free(node->value);
	free(node);
}

const struct dt_node *dt_node_get(const struct dt_node *map, const char *key)
{
	int i = dt_node_index(map, key);

	return i < 0 ? NULL : map->items[i];
}

int dt_node_index(const struct dt_node *map, const char *key)
{
	if (!map || map->kind != DT_NODE_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return (int)i;
	return -1;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static int sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > DT_SCALAR_MAX)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* ${NAME} / ${NAME:-default}; anything else with "${" is an error. */
static int env_subst(const char *in, char **out, const char *file, int line, const char *key,
		     struct dt_errbuf *err)
{
	struct sbuf b = {0};
	const char *p = in;
	int rc = sbuf_add(&b, "", 0);

	while (rc == 0 && *p) {
		const char *s = strstr(p, "${");
		const char *name, *end, *def = NULL;
		size_t name_len, def_len = 0;
		char var[128];
		const char *val;

		if (!s) {
			rc = sbuf_add(&b, p, strlen(p));
			break;
		}
		rc = sbuf_add(&b, p, s - p);
		if (rc)
			break;
		name = s + 2;
		end = strchr(name, '}');
		if (!end) {
			dt_errf(err, file, line, "%s: unterminated ${ in \"%s\"", key, in);
			rc = -EINVAL;
			break;
		}
		name_len =
		    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		if (name_len == 0 || isdigit((unsigned char)name[0]) || name_len >= sizeof(var)) {
			dt_errf(err, file, line, "%s: bad variable name in \"%s\"", key, in);
			rc = -EINVAL;
			break;
		}
		if (name + name_len != end) {
			if (strncmp(name + name_len, ":-", 2) != 0) {
				dt_errf(err, file, line, "%s: bad ${...} reference in \"%s\"", key,
					in);
				rc = -EINVAL;
				break;
			}
			def = name + name_len + 2;
			def_len = end - def;
		}
		memcpy(var, name, name_len);
		var[name_len] = '\0';
		val = getenv(var);
		if (val && (*val || !def)) {
			rc = sbuf_add(&b, val, strlen(val));
		} else if (def) {
			rc = sbuf_add(&b, def, def_len);
		} else {
			dt_errf(err, file, line, "%s: environment variable %s is not set", key,
				var);
			rc = -ENOENT;
			break;
		}
		p = end + 1;
	}
	if (rc == -E2BIG)
		dt_errf(err, file, line, "%s: value longer than %d bytes", key, DT_SCALAR_MAX);
	else if (rc == -ENOMEM)
		dt_errf(err, file, line, "%s: out of memory", key);
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
}

struct frame {
	struct dt_node *node;
	char *pending_key; /* MAP: key read, value not yet */
	int pending_line;
	const char *ctx_key; /* key this container sits under, for errors */
};

struct builder {
	const char *file;
	struct dt_errbuf *err;
	struct frame stack[DT_CONFIG_MAX_DEPTH];
	int depth;
	size_t nodes;
	struct dt_node *root;
};

static int node_append(struct dt_node *parent, struct dt_node *child, char *key, int key_line)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct dt_node **items = realloc(parent->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		parent->items = items;
		if (parent->kind == DT_NODE_MAP) {
			char **keys = realloc(parent->keys, cap * sizeof(*keys));
			int *lines;

			if (!keys)
				return -ENOMEM;
			parent->keys = keys;
			lines = realloc(parent->key_lines, cap * sizeof(*lines));
			if (!lines)
				return -ENOMEM;
			parent->key_lines = lines;
		}
		parent->cap = cap;
	}
	if (parent->kind == DT_NODE_MAP) {
		parent->keys[parent->n] = key;
		parent->key_lines[parent->n] = key_line;
	}
	parent->items[parent->n++] = child;
	return 0;
}

static const char *current_key(struct builder *b)
{
	struct frame *f;

	if (b->depth == 0)
		return "(top)";
	f = &b->stack[b->depth - 1];
	if (f->node->kind == DT_NODE_MAP && f->pending_key)
		return f->pending_key;
	return f->ctx_key ? f->ctx_key : "(top)";
}

/* Attach a finished node to the container on top of the stack (or make it the root). */
static int attach(struct builder *b, struct dt_node *node)
{
	struct frame *f;
	int rc;

	if (b->depth == 0) {
		b->root = node;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == DT_NODE_SEQ)
		return node_append(f->node, node, NULL, 0);
	rc = node_append(f->node, node, f->pending_key, f->pending_line);
	if (rc == 0)
		f->pending_key = NULL;
	return rc;
}

static struct dt_node *node_new(struct builder *b, enum dt_node_kind kind, int line)
{
	struct dt_node *n;

	if (++b->nodes > DT_CONFIG_MAX_NODES)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n) {
		n->kind = kind;
		n->line = line;
	}
	return n;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	const char *text = (const char *)ev->data.scalar.value;
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
	struct dt_node *n;
	int rc;

	if (f && f->node->kind == DT_NODE_MAP && !f->pending_key) {
		/* a key */
		if (dt_node_index(f->node, text) >= 0) {
			dt_errf(b->err, b->file, line, "%s: duplicate key", text);
			return -EINVAL;
		}
		f->pending_key = strdup(text);
		f->pending_line = line;
		return f->pending_key ? 0 : -ENOMEM;
	}
	n = node_new(b, DT_NODE_SCALAR, line);
	if (!n) {
		dt_errf(b->err, b->file, line, "too many nodes");
		return -E2BIG;
	}
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	rc = env_subst(text, &n->value, b->file, line, current_key(b), b->err);
	if (rc == 0)
		rc = attach(b, n);
	if (rc)
		dt_node_free(n);
	return rc;
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum dt_node_kind kind)
{
	int line = (int)ev->start_mark.line + 1;
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
	struct dt_node *n;

	if (f && f->node->kind == DT_NODE_MAP && !f->pending_key) {
		dt_errf(b->err, b->file, line, "a key must be a plain string");
		return -EINVAL;
	}
	if (b->depth >= DT_CONFIG_MAX_DEPTH) {
		dt_errf(b->err, b->file, line, "nested deeper than %d levels", DT_CONFIG_MAX_DEPTH);
		return -E2BIG;
	}
	n = node_new(b, kind, line);
	if (!n) {
		dt_errf(b->err, b->file, line, "too many nodes");
		return -E2BIG;
	}
	b->stack[b->depth] = (struct frame){.node = n, .ctx_key = f ? current_key(b) : NULL};
	/* ctx_key points into the parent's pending key, which attach() keeps alive */
	b->depth++;
	return 0;
}

static int on_end(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	int rc;

	free(f->pending_key); /* only set if a key had no value, which libyaml prevents */
	rc = attach(b, f->node);
	if (rc)
		dt_node_free(f->node);
	return rc;
}

static void builder_cleanup(struct builder *b)
{
	while (b->depth > 0) {
		struct frame *f = &b->stack[--b->depth];

		free(f->pending_key);
		dt_node_free(f->node);
	}
	dt_node_free(b->root);
	b->root = NULL;
}

int dt_node_parse(const char *text, size_t len, const char *file, struct dt_node **root,
		  struct dt_errbuf *err)
{
	struct builder b = {.file = file, .err = err};
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false, seen_doc = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			dt_errf(err, file, (int)parser.problem_mark.line + 1,
				"YAML syntax error: %s%s%s",
				parser.problem ? parser.problem : "unknown",
				parser.context ? " " : "", parser.context ? parser.context : "");
			rc = -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (seen_doc) {
				dt_errf(err, file, (int)ev.start_mark.line + 1,
					"only one YAML document is allowed");
				rc = -EINVAL;
			}
			seen_doc = true;
			break;
		case YAML_ALIAS_EVENT:
			dt_errf(err, file, (int)ev.start_mark.line + 1,
				"%s: YAML aliases are not supported", current_key(&b));
			rc = -EINVAL;
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&b, &ev, DT_NODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&b, &ev, DT_NODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc == -ENOMEM)
		dt_errf(err, file, 0, "out of memory");
	if (rc) {
		builder_cleanup(&b);
		return rc;
	}
	if (!b.root) {
		b.root = calloc(1, sizeof(*b.root));
		if (!b.root)
			return -ENOMEM;
		b.root->kind = DT_NODE_MAP;
		b.root->line = 1;
	}
	*root = b.root;
	return 0;
}

#define DT_CONFIG_MAX_FILE (64 * 1024 * 1024)

int dt_read_text_file(const char *path, char **text, struct dt_errbuf *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f) {
		rc = -errno;
		dt_errf(err, path, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > DT_CONFIG_MAX_FILE) {
				dt_errf(err, path, 0, "file larger than %d bytes",
					DT_CONFIG_MAX_FILE);
				rc = -EFBIG;
				goto err_free_buf;
			}
			p = realloc(buf, cap);
			if (!p) {
				rc = -ENOMEM;
				goto err_free_buf;
			}
			buf = p;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		dt_errf(err, path, 0, "read error");
		goto err_free_buf;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		dt_errf(err, path, 0, "contains a NUL byte");
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	return 0;

err_free_buf:
	free(buf);
	fclose(f);
	return rc;
}

int dt_node_load_file(const char *path, struct dt_node **root, struct dt_errbuf *err)
{
	char *text;
	int rc = dt_read_text_file(path, &text, err);

	if (rc)
		return rc;
	rc = dt_node_parse(text, strlen(text), path, root, err);
	free(text);
	return rc;
}

struct dt_node *dt_node_new(enum dt_node_kind kind)
{
	struct dt_node *n = calloc(1, sizeof(*n));

	if (n)
		n->kind = kind;
	return n;
}

struct dt_node *dt_node_new_scalar(const char *value)
{
	struct dt_node *n = dt_node_new(DT_NODE_SCALAR);

	if (n && !(n->value = strdup(value))) {
		free(n);
		return NULL;
	}
	return n;
}

int dt_node_map_set(struct dt_node *map, const char *key, struct dt_node *value)
{
	int i = dt_node_index(map, key);
	char *k;
	int rc;

	if (!value)
		return -ENOMEM;
	if (i >= 0) {
		dt_node_free(map->items[i]);
		map->items[i] = value;
		return 0;
	}
	k = strdup(key);
	if (!k) {
		dt_node_free(value);
		return -ENOMEM;
	}
	rc = node_append(map, value, k, 0);
	if (rc) {
		free(k);
		dt_node_free(value);
	}
	return rc;
}

int dt_node_seq_append(struct dt_node *seq, struct dt_node *item)
{
	int rc;

	if (!item)
		return -ENOMEM;
	rc = node_append(seq, item, NULL, 0);
	if (rc)
		dt_node_free(item);
	return rc;
}

static int sig_add(struct sbuf *b, const struct dt_node *n)
{
	char head[32];
	int rc;

	if (n->kind == DT_NODE_SCALAR) {
		snprintf(head, sizeof(head), "s%zu:", strlen(n->value));
		rc = sbuf_add(b, head, strlen(head));
		return rc ?: sbuf_add(b, n->value, strlen(n->value));
	}
	snprintf(head, sizeof(head), "%c%zu:", n->kind == DT_NODE_MAP ? 'm' : 'l', n->n);
	rc = sbuf_add(b, head, strlen(head));
	for (size_t i = 0; rc == 0 && i < n->n; i++) {
		if (n->kind == DT_NODE_MAP) {
			snprintf(head, sizeof(head), "k%zu:", strlen(n->keys[i]));
			rc = sbuf_add(b, head, strlen(head));
			rc = rc ?: sbuf_add(b, n->keys[i], strlen(n->keys[i]));
		}
		rc = rc ?: sig_add(b, n->items[i]);
	}
	return rc;
}

char *dt_node_signature(const struct dt_node *node)
{
	struct sbuf b = {0};

	/* bounded like any scalar: a longer subtree gets no signature (never "same") */
	if (sbuf_add(&b, "", 0) || sig_add(&b, node)) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
