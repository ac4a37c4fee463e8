/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/stats.h"
#include "core/tcp_reasm.h"

#define NIL UINT32_MAX

struct flow_key {
	uint32_t netns;
	uint16_t sport;
	uint16_t dport;
	uint8_t family;
	uint8_t pad[7];
	uint8_t saddr[16];
	uint8_t daddr[16];
};

struct flow {
	struct flow_key key;
	uint64_t hash;
	uint64_t last_ns;
	uint32_t hnext;
	uint32_t prev, next; /* LRU (oldest at head) or free list */
	uint32_t next_seq; /* sequence number of the next expected byte */
	bool synced; /* next_seq is known */
	bool broken; /* gave up after a gap or overflow: ignore until closed */
	uint32_t skip; /* stream bytes of a message delivered cut, still to come */
	uint8_t *buf; /* partial message(s), allocated when first needed */
	uint32_t len;
	uint32_t cap;
};

struct dt_tcp_reasm {
	struct flow *flows;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t max_flows;
	uint32_t max_buffer;
	uint32_t count;
	uint32_t head, tail, free_head;
	uint32_t fresh; /* flows [fresh, max_flows) never used: untouched pages */
	uint64_t idle_ns;
	uint64_t seed;
	size_t buffered; /* sum of every flow's cap */
	dt_tcp_msg_fn fn;
	void *user;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const struct dt_tcp_reasm *r, const struct flow_key *k)
{
	uint64_t w[sizeof(*k) / 8];
	uint64_t h = r->seed;

	_Static_assert(sizeof(struct flow_key) == 48, "flow key is packed");
	memcpy(w, k, sizeof(w));
	/* one multiply per word, the full mix once: the seed enters every round */
	for (size_t i = 0; i < sizeof(w) / 8; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	return mix(h);
}

struct dt_tcp_reasm *dt_tcp_reasm_new(uint32_t max_flows, uint32_t max_buffer, uint64_t idle_ns,
				      dt_tcp_msg_fn fn, void *user)
{
	struct dt_tcp_reasm *r;
	uint32_t nb = 16;

	if (!max_flows || max_flows > (1u << 24) || max_buffer < 2 || !fn)
		return NULL;
	while (nb < max_flows * 2u)
		nb <<= 1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->flows = calloc(max_flows, sizeof(*r->flows));
	if (!r->flows)
		goto err_free_reasm;
	r->buckets = malloc(nb * sizeof(*r->buckets));
	if (!r->buckets)
		goto err_free_flows;
	memset(r->buckets, 0xff, nb * sizeof(*r->buckets));
	r->bucket_mask = nb - 1;
	r->max_flows = max_flows;
	r->max_buffer = max_buffer;
	r->idle_ns = idle_ns;
	r->fn = fn;
	r->user = user;
	r->head = r->tail = NIL;
	/* flows are taken from `fresh` when the free list is empty, not threaded
	 * up front: that touched all of the table (420 kB of RSS) */
	r->free_head = NIL;
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != sizeof(r->seed))
		r->seed = (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ULL;
	return r;

err_free_flows:
	free(r->flows);
err_free_reasm:
	free(r);
	return NULL;
}

static void lru_unlink(struct dt_tcp_reasm *r, struct flow *f)
{
	if (f->prev != NIL)
		r->flows[f->prev].next = f->next;
	else
		r->head = f->next;
	if (f->next != NIL)
		r->flows[f->next].prev = f->prev;
	else
		r->tail = f->prev;
}

static void lru_append(struct dt_tcp_reasm *r, struct flow *f)
{
	uint32_t i = (uint32_t)(f - r->flows);

	f->next = NIL;
	f->prev = r->tail;
	if (r->tail != NIL)
		r->flows[r->tail].next = i;
	else
		r->head = i;
	r->tail = i;
}

static void flow_close(struct dt_tcp_reasm *r, struct flow *f)
{
	uint32_t i = (uint32_t)(f - r->flows);
	uint32_t *link = &r->buckets[f->hash & r->bucket_mask];

	if (f->len)
		dt_stats_add(&dt_stats.tcp_reassembly_drops, f->len);
	while (*link != NIL && *link != i)
		link = &r->flows[*link].hnext;
	if (*link == i)
		*link = f->hnext;
	lru_unlink(r, f);
	free(f->buf);
	r->buffered -= f->cap;
	f->buf = NULL;
	f->len = f->cap = 0;
	f->next = r->free_head;
	r->free_head = i;
	r->count--;
}

void dt_tcp_reasm_close_all(struct dt_tcp_reasm *r)
{
	while (r->head != NIL)
		flow_close(r, &r->flows[r->head]);
}

void dt_tcp_reasm_free(struct dt_tcp_reasm *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->fresh; i++)
		free(r->flows[i].buf);
	free(r->buckets);
	free(r->flows);
	free(r);
}

uint32_t dt_tcp_reasm_flows(const struct dt_tcp_reasm *r)
{
	return r->count;
}

void dt_tcp_reasm_expire(struct dt_tcp_reasm *r, uint64_t now_ns)
{
	while (r->head != NIL) {
		struct flow *f = &r->flows[r->head];

		if (f->last_ns + r->idle_ns > now_ns)
			break;
		flow_close(r, f);
	}
}

static struct flow *flow_get(struct dt_tcp_reasm *r, const struct dt_packet *pkt, bool create)
{
	struct flow_key k;
	uint64_t h;
	uint32_t *bucket;
	struct flow *f;
	uint32_t i;

	memset(&k, 0, sizeof(k));
	k.netns = pkt->netns;
	k.sport = pkt->sport;
	k.dport = pkt->dport;
	k.family = pkt->family;
	memcpy(k.saddr, pkt->saddr, pkt->family == 4 ? 4 : 16);
	memcpy(k.daddr, pkt->daddr, pkt->family == 4 ? 4 : 16);
	h = key_hash(r, &k);
	bucket = &r->buckets[h & r->bucket_mask];
	for (i = *bucket; i != NIL; i = r->flows[i].hnext) {
		f = &r->flows[i];
		if (f->hash == h && !memcmp(&f->key, &k, sizeof(k)))
			return f;
	}
	if (!create)
		return NULL;
	if (r->free_head == NIL && r->fresh < r->max_flows) {
		r->flows[r->fresh].next = NIL;
		r->free_head = r->fresh++;
	}
	if (r->free_head == NIL) {
		dt_stats_add(&dt_stats.tcp_flow_evictions, 1);
		flow_close(r, &r->flows[r->head]);
	}
	i = r->free_head;
	f = &r->flows[i];
	r->free_head = f->next;
	f->key = k;
	f->hash = h;
	f->synced = false;
	f->broken = false;
	f->skip = 0;
	f->len = 0;
	f->hnext = *bucket;
	*bucket = i;
	lru_append(r, f);
	r->count++;
	return f;
}

static void give_up(struct flow *f, uint64_t lost)
{
	dt_stats_add(&dt_stats.tcp_reassembly_drops, f->len + lost);
	f->len = 0;
	f->skip = 0;
	f->broken = true;
}

/* Deliver every complete message at the front of data; returns bytes used. */
static size_t deliver(struct dt_tcp_reasm *r, const uint8_t *data, size_t len,
		      const struct dt_packet *pkt)
{
	size_t used = 0;

	while (len - used >= 2) {
		size_t mlen = (size_t)data[used] << 8 | data[used + 1];

		if (len - used - 2 < mlen)
			break;
		r->fn(data + used + 2, mlen, false, pkt, r->user);
		used += 2 + mlen;
	}
	return used;
}

static bool buffer_reserve(struct dt_tcp_reasm *r, struct flow *f, size_t need)
{
	size_t cap;
	uint8_t *buf;

	if (need <= f->cap)
		return true;
	if (need > r->max_buffer)
		return false;
	cap = f->cap ? f->cap * 2 : 1024;
	if (cap < need)
		cap = need;
	if (cap > r->max_buffer)
		cap = r->max_buffer;
	if (r->buffered - f->cap + cap > DT_TCP_TOTAL_BUFFER_MAX)
		return false;
	buf = realloc(f->buf, cap);
	if (!buf)
		return false;
	r->buffered = r->buffered - f->cap + cap;
	f->buf = buf;
	f->cap = (uint32_t)cap;
	return true;
}

/* In-order stream bytes: complete messages out, the rest kept. */
static void consume(struct dt_tcp_reasm *r, struct flow *f, const uint8_t *data, size_t len,
		    const struct dt_packet *pkt)
{
	size_t used;

	if (f->skip) {
		used = len < f->skip ? len : f->skip;
		f->skip -= (uint32_t)used;
		dt_stats_add(&dt_stats.tcp_reassembly_drops, used);
		data += used;
		len -= used;
		if (!len)
			return;
	}

	if (f->len == 0) {
		/* Common case: whole messages in this segment, no copy. */
		used = deliver(r, data, len, pkt);
		data += used;
		len -= used;
		if (!len)
			return;
	}
	if (!buffer_reserve(r, f, (size_t)f->len + len)) {
		give_up(f, len);
		return;
	}
	memcpy(f->buf + f->len, data, len);
	f->len += (uint32_t)len;
	used = deliver(r, f->buf, f->len, pkt);
	if (used) {
		memmove(f->buf, f->buf + used, f->len - used);
		f->len -= (uint32_t)used;
	}
}

/*
 * The capture kept only part of the segment: `missing` stream bytes follow
 * what was consumed. Within the buffered message, they just cut it short;
 * past its end, the next message boundary is lost.
 */
static void lost_tail(struct dt_tcp_reasm *r, struct flow *f, size_t missing,
		      const struct dt_packet *pkt)
{
	size_t mlen, have;

	if (f->broken)
		return;
	if (missing <= f->skip) {
		f->skip -= (uint32_t)missing;
		dt_stats_add(&dt_stats.tcp_reassembly_drops, missing);
		return;
	}
	if (f->len < 2) {
		dt_stats_add(&dt_stats.tcp_gaps, 1);
		give_up(f, missing);
		return;
	}
	mlen = (size_t)f->buf[0] << 8 | f->buf[1];
	have = f->len - 2; /* < mlen, else it was delivered */
	r->fn(f->buf + 2, have, true, pkt, r->user);
	f->len = 0;
	dt_stats_add(&dt_stats.tcp_reassembly_drops, missing);
	if (have + missing <= mlen) {
		f->skip = (uint32_t)(mlen - have - missing);
		return;
	}
	dt_stats_add(&dt_stats.tcp_gaps, 1);
	give_up(f, 0);
}

void dt_tcp_reasm_segment(struct dt_tcp_reasm *r, const struct dt_packet *pkt)
{
	const uint8_t *data = pkt->payload;
	size_t len = pkt->payload_len;
	uint32_t seq = pkt->tcp_seq;
	struct flow *f;
	int32_t delta;

	f = flow_get(r, pkt, len > 0 || (pkt->tcp_flags & DT_TCP_SYN));
	if (!f)
		return;
	f->last_ns = pkt->ts_ns;
	lru_unlink(r, f);
	lru_append(r, f);

	if (pkt->tcp_flags & DT_TCP_RST) {
		flow_close(r, f);
		return;
	}
	if (pkt->tcp_flags & DT_TCP_SYN) {
		/* A new connection on a reused 4-tuple starts clean. */
		if (f->len)
			dt_stats_add(&dt_stats.tcp_reassembly_drops, f->len);
		f->len = 0;
		f->skip = 0;
		f->broken = false;
		f->synced = true;
		seq++;
		f->next_seq = seq;
	}
	if (len && f->broken) {
		dt_stats_add(&dt_stats.tcp_reassembly_drops, len);
	} else if (len) {
		if (!f->synced) {
			/* Joined mid-connection: assume a message starts here. */
			f->synced = true;
			f->next_seq = seq;
		}
		delta = (int32_t)(seq - f->next_seq);
		if (delta > 0) {
			dt_stats_add(&dt_stats.tcp_gaps, 1);
			give_up(f, len);
		} else {
			size_t overlap = (size_t)-(int64_t)delta; /* bytes already had */

			if (overlap >= len) {
				dt_stats_add(&dt_stats.duplicates, 1);
			} else {
				f->next_seq += (uint32_t)(len - overlap);
				consume(r, f, data + overlap, len - overlap, pkt);
				if (pkt->orig_len > pkt->payload_len) {
					/* the sequence space covers the uncaptured bytes too */
					f->next_seq += pkt->orig_len - pkt->payload_len;
					lost_tail(r, f, pkt->orig_len - pkt->payload_len, pkt);
				}
			}
		}
	}
	if (pkt->tcp_flags & DT_TCP_FIN)
		flow_close(r, f);
}
