/* SPDX-License-Identifier: MIT */
/* Per-session sequence tracking: chained hash over a fixed pool, LRU eviction. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gaps.h"

#define HOST_MAX 256

struct session {
	struct session *next; /* hash chain */
	char host[HOST_MAX];
	uint64_t session_id;
	uint64_t last_seq;
	uint64_t last_seen; /* tick of the last message, for LRU */
	bool used;
};

struct dt_gaps {
	struct session *pool;
	struct session **buckets;
	size_t n_pool, n_used, n_buckets;
	uint64_t tick;
	struct dt_gaps_counts counts;
};

static uint64_t hash(const char *host, uint64_t id)
{
	uint64_t h = 1469598103934665603ull ^ id; /* FNV-1a over the host, seeded */

	for (; *host; host++)
		h = (h ^ (uint8_t)*host) * 1099511628211ull;
	return h ^ (h >> 29);
}

int dt_gaps_new(size_t max_sessions, struct dt_gaps **out)
{
	struct dt_gaps *g;

	if (max_sessions == 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->n_pool = max_sessions;
	for (g->n_buckets = 16; g->n_buckets < max_sessions * 2; g->n_buckets *= 2)
		;
	g->pool = calloc(g->n_pool, sizeof(*g->pool));
	g->buckets = calloc(g->n_buckets, sizeof(*g->buckets));
	if (!g->pool || !g->buckets) {
		dt_gaps_free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

void dt_gaps_free(struct dt_gaps *g)
{
	if (!g)
		return;
	free(g->pool);
	free(g->buckets);
	free(g);
}

static struct session **bucket(struct dt_gaps *g, const char *host, uint64_t id)
{
	return &g->buckets[hash(host, id) & (g->n_buckets - 1)];
}

static void unlink_session(struct dt_gaps *g, struct session *s)
{
	struct session **pp = bucket(g, s->host, s->session_id);

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	s->used = false;
	g->n_used--;
}

/* A free slot; when full, forget the session heard from least recently. */
static struct session *take_slot(struct dt_gaps *g)
{
	struct session *oldest = NULL;

	if (g->n_used < g->n_pool) {
		for (size_t i = 0; i < g->n_pool; i++)
			if (!g->pool[i].used)
				return &g->pool[i];
	}
	for (size_t i = 0; i < g->n_pool; i++)
		if (!oldest || g->pool[i].last_seen < oldest->last_seen)
			oldest = &g->pool[i];
	unlink_session(g, oldest);
	return oldest;
}

static bool host_known(struct dt_gaps *g, const char *host)
{
	for (size_t i = 0; i < g->n_pool; i++)
		if (g->pool[i].used && strcmp(g->pool[i].host, host) == 0)
			return true;
	return false;
}

enum dt_gap_kind dt_gaps_see(struct dt_gaps *g, const char *host, uint64_t session_id, uint64_t seq,
			     uint64_t *lost, uint64_t *expected)
{
	struct session **b, *s;
	char key[HOST_MAX];

	if (lost)
		*lost = 0;
	/* Over-long host names are compared by their first HOST_MAX-1 bytes. */
	strncpy(key, host ? host : "", sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	g->tick++;
	b = bucket(g, key, session_id);
	for (s = *b; s; s = s->next) {
		if (s->session_id == session_id && strcmp(s->host, key) == 0)
			break;
	}
	if (!s) {
		/* Only a scan when a session starts: rare. */
		if (host_known(g, key))
			g->counts.restarts++;
		s = take_slot(g);
		memcpy(s->host, key, sizeof(key));
		s->session_id = session_id;
		s->last_seq = seq;
		s->last_seen = g->tick;
		s->used = true;
		s->next = *b;
		*b = s;
		g->n_used++;
		g->counts.publishers++;
		return DT_GAP_FIRST;
	}
	s->last_seen = g->tick;
	if (seq <= s->last_seq)
		return DT_GAP_OLD;
	if (seq == s->last_seq + 1) {
		s->last_seq = seq;
		return DT_GAP_NONE;
	}
	if (lost)
		*lost = seq - s->last_seq - 1;
	if (expected)
		*expected = s->last_seq + 1;
	g->counts.gaps++;
	g->counts.lost += seq - s->last_seq - 1;
	s->last_seq = seq;
	return DT_GAP_LOSS;
}

const struct dt_gaps_counts *dt_gaps_counts(const struct dt_gaps *g)
{
	return &g->counts;
}
