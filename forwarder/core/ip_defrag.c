// SPDX-License-Identifier: MIT
/*
 * IP fragments -> UDP datagrams. Fragmented DNS is rare, so the table is a
 * small array scanned linearly; coverage is a bitmap of 8-byte blocks (every
 * fragment but the last is a multiple of 8 bytes long). A slot's buffer
 * grows with the highest byte seen, within the byte budget.
 */
#include "core/ip_defrag.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

#define BLOCKS ((DT_IP_DEFRAG_MAX_DATAGRAM + 7) / 8)
#define BUF_STEP 2048u
#define UDP_HDR 8u

struct slot {
	bool used;
	bool has_first;
	uint8_t family;
	uint32_t id;
	uint8_t saddr[16], daddr[16];
	uint64_t born_ns;	/* timestamp of the first fragment seen */
	uint32_t total;		/* IP payload length, 0 until the last fragment came */
	uint32_t hi;		/* highest end offset seen */
	uint32_t have;		/* bytes covered */
	uint32_t first_len;	/* bytes of the first fragment (UDP header included) */
	struct dt_packet first; /* the first fragment's metadata (payload unused) */
	uint8_t *buf;
	uint32_t cap;
	uint64_t bits[(BLOCKS + 63) / 64];
};

struct dt_ip_defrag {
	struct slot *slots;
	uint32_t n_slots;
	uint32_t pending;
	uint32_t max_bytes;
	uint32_t bytes; /* sum of slot buffer capacities */
	uint64_t timeout_ns;
	uint8_t *done; /* the last completed datagram, handed out until the next call */
	dt_ip_defrag_partial_fn partial;
	void *user;
};

struct dt_ip_defrag *dt_ip_defrag_new(uint32_t max_datagrams, uint32_t max_bytes,
				      uint64_t timeout_ns, dt_ip_defrag_partial_fn partial,
				      void *user)
{
	struct dt_ip_defrag *d;

	if (!max_datagrams || !max_bytes || !timeout_ns)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->slots = calloc(max_datagrams, sizeof(*d->slots));
	if (!d->slots) {
		free(d);
		return NULL;
	}
	d->n_slots = max_datagrams;
	d->max_bytes = max_bytes;
	d->timeout_ns = timeout_ns;
	d->partial = partial;
	d->user = user;
	return d;
}

static size_t alen(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static bool same(const struct slot *s, const struct dt_packet *p)
{
	return s->used && s->id == p->frag_id && s->family == p->family &&
	       !memcmp(s->saddr, p->saddr, alen(p->family)) &&
	       !memcmp(s->daddr, p->daddr, alen(p->family));
}

static void release(struct dt_ip_defrag *d, struct slot *s)
{
	free(s->buf);
	d->bytes -= s->cap;
	d->pending--;
	memset(s, 0, sizeof(*s));
}

/* The first fragment alone, as the truncated UDP packet it was before
 * reassembly existed. */
static void hand_partial(struct dt_ip_defrag *d, const struct dt_packet *first,
			 const uint8_t *payload, uint32_t len)
{
	struct dt_packet p = *first;

	if (!d->partial)
		return;
	p.flags = (p.flags & ~(DT_PKT_FRAGMENT | DT_PKT_FRAG_MISSED)) | DT_PKT_TRUNCATED;
	p.payload = payload;
	p.payload_len = len;
	d->partial(&p, d->user);
}

/* Give a datagram up: counted, and its first fragment goes on alone. A
 * datagram whose first fragment never came, timed out or evicted, is not
 * counted: nothing says it was DNS (a pcap replay hands over every later
 * fragment, ports unknown). */
static void give_up(struct dt_ip_defrag *d, struct slot *s, bool count)
{
	struct dt_packet first;
	uint8_t *buf = s->buf;
	uint32_t len = s->first_len - UDP_HDR;
	bool has_first = s->has_first;

	if (count || has_first)
		dt_stats_add(&dt_stats.ip_reassembly_drops, 1);
	first = s->first;
	/* the callback may re-enter: detach the buffer before it runs */
	s->buf = NULL;
	d->bytes -= s->cap;
	s->cap = 0;
	release(d, s);
	if (has_first)
		hand_partial(d, &first, buf + UDP_HDR, len);
	free(buf);
}

static struct slot *find(struct dt_ip_defrag *d, const struct dt_packet *p)
{
	for (uint32_t i = 0; i < d->n_slots; i++)
		if (same(&d->slots[i], p))
			return &d->slots[i];
	return NULL;
}

static struct slot *take(struct dt_ip_defrag *d, const struct dt_packet *p)
{
	struct slot *s = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < d->n_slots && !s; i++) {
		struct slot *t = &d->slots[i];

		if (!t->used)
			s = t;
		else if (!oldest || (oldest->has_first && !t->has_first) ||
			 (oldest->has_first == t->has_first && t->born_ns < oldest->born_ns))
			oldest = t; /* the oldest, one not known to be DNS first */
	}
	if (!s) {
		give_up(d, oldest, false); /* the pool is full: the oldest goes */
		s = oldest;
	}
	s->used = true;
	s->family = p->family;
	s->id = p->frag_id;
	memcpy(s->saddr, p->saddr, sizeof(s->saddr));
	memcpy(s->daddr, p->daddr, sizeof(s->daddr));
	s->born_ns = p->ts_ns;
	d->pending++;
	return s;
}

static int grow(struct dt_ip_defrag *d, struct slot *s, uint32_t end)
{
	uint32_t cap;
	uint8_t *nb;

	if (end <= s->cap)
		return 0;
	cap = (end + BUF_STEP - 1) / BUF_STEP * BUF_STEP;
	if (cap > DT_IP_DEFRAG_MAX_DATAGRAM + 1)
		cap = DT_IP_DEFRAG_MAX_DATAGRAM + 1;
	if (d->bytes - s->cap + cap > d->max_bytes)
		return -ENOBUFS;
	nb = realloc(s->buf, cap);
	if (!nb)
		return -ENOBUFS;
	d->bytes += cap - s->cap;
	s->buf = nb;
	s->cap = cap;
	return 0;
}

/* Blocks of [start, end) already covered: 0, all (n) or some. */
static uint32_t covered(const struct slot *s, uint32_t b0, uint32_t b1)
{
	uint32_t n = 0;

	for (uint32_t b = b0; b < b1; b++)
		n += (s->bits[b / 64] >> (b % 64)) & 1;
	return n;
}

static void cover(struct slot *s, uint32_t b0, uint32_t b1)
{
	for (uint32_t b = b0; b < b1; b++)
		s->bits[b / 64] |= 1ull << (b % 64);
}

/* Unusable fragment (its datagram given up, counted, unless give_up() did):
 * a first fragment still goes on alone, as before reassembly existed. */
static int reject(struct dt_ip_defrag *d, const struct dt_packet *p, int err)
{
	if (err == -EINVAL || err == -E2BIG)
		dt_stats_add(&dt_stats.ip_reassembly_drops, 1);
	if (p->frag_offset == 0 && p->transport == DT_TRANSPORT_UDP)
		hand_partial(d, p, p->payload, p->payload_len);
	return err;
}

static int complete(struct dt_ip_defrag *d, struct slot *s, struct dt_packet *out)
{
	uint32_t ulen = s->first.orig_len + UDP_HDR;

	if (ulen > s->total) {
		give_up(d, s, true);
		return -EBADMSG;
	}
	*out = s->first;
	out->flags &= ~(DT_PKT_FRAGMENT | DT_PKT_TRUNCATED);
	out->payload_len = ulen - UDP_HDR; /* IP may carry padding past UDP */
	out->orig_len = out->payload_len;
	free(d->done);
	d->done = s->buf;
	out->payload = d->done + UDP_HDR;
	s->buf = NULL;
	d->bytes -= s->cap;
	s->cap = 0;
	release(d, s);
	dt_stats_add(&dt_stats.ip_reassembled, 1);
	return 1;
}

int dt_ip_defrag_add(struct dt_ip_defrag *d, const struct dt_packet *p, struct dt_packet *out)
{
	uint32_t start, len, end, b0, b1, n;
	bool first;
	struct slot *s;
	int rc;

	free(d->done);
	d->done = NULL;
	dt_stats_add(&dt_stats.ip_fragments, 1);
	if (!(p->flags & DT_PKT_FRAGMENT) || p->transport != DT_TRANSPORT_UDP ||
	    (p->family != 4 && p->family != 6) || (p->frag_offset & 7))
		return reject(d, p, -EINVAL);
	first = p->frag_offset == 0;
	start = p->frag_offset;
	len = first ? UDP_HDR + p->payload_len : p->payload_len;
	/* every byte of the fragment must have been captured */
	if (len != p->frag_len || len == 0 || (p->frag_more && (len & 7)))
		return reject(d, p, -EINVAL);
	end = start + len;
	if (end > DT_IP_DEFRAG_MAX_DATAGRAM)
		return reject(d, p, -E2BIG);
	if (first && (p->flags & DT_PKT_FRAG_MISSED)) {
		/* the rest can never come: given up now, not at the timeout */
		s = find(d, p);
		if (s)
			give_up(d, s, false); /* later fragments alone, not counted */
		dt_stats_add(&dt_stats.ip_reassembly_drops, 1);
		dt_stats_add(&dt_stats.ip_fragments_missed, 1);
		hand_partial(d, p, p->payload, p->payload_len);
		return -ENODATA;
	}

	s = find(d, p);
	if (!s)
		s = take(d, p);
	b0 = start / 8;
	b1 = (end + 7) / 8;
	n = covered(s, b0, b1);
	if (n == b1 - b0 && (p->frag_more || s->total == end))
		return 0; /* a repeat (the same packet seen twice) */
	if (n || (s->total && end > s->total) || (!p->frag_more && s->total && s->total != end) ||
	    (!p->frag_more && s->hi > end)) {
		give_up(d, s, true);
		return reject(d, p, -EBADMSG);
	}
	rc = grow(d, s, end);
	if (rc) {
		give_up(d, s, true);
		return reject(d, p, rc);
	}
	if (first) {
		struct dt_packet *f = &s->first;

		*f = *p;
		f->payload = NULL;
		s->has_first = true;
		s->first_len = len;
		s->born_ns = p->ts_ns; /* the datagram's time is its first fragment's */
		/* the UDP header itself is not needed: ports are in s->first */
		memset(s->buf, 0, UDP_HDR);
		memcpy(s->buf + UDP_HDR, p->payload, p->payload_len);
	} else {
		memcpy(s->buf + start, p->payload, len);
	}
	cover(s, b0, b1);
	s->have += len;
	if (end > s->hi)
		s->hi = end;
	if (!p->frag_more)
		s->total = end;
	if (s->total && s->have == s->total && s->has_first)
		return complete(d, s, out);
	return 0;
}

/* Whether reply answers the datagram of s: its first fragment's flow
 * reversed, and the DNS id of both. */
static bool replied(const struct slot *s, const struct dt_packet *reply)
{
	const struct dt_packet *f = &s->first;
	size_t n = alen(reply->family);

	return s->used && s->has_first && s->family == reply->family &&
	       f->sport == reply->dport && f->dport == reply->sport &&
	       !memcmp(f->saddr, reply->daddr, n) && !memcmp(f->daddr, reply->saddr, n) &&
	       s->first_len >= UDP_HDR + 2 && reply->payload_len >= 2 &&
	       !memcmp(s->buf + UDP_HDR, reply->payload, 2);
}

unsigned dt_ip_defrag_answered(struct dt_ip_defrag *d, const struct dt_packet *reply)
{
	unsigned n = 0;

	if (!d || !d->pending || reply->transport != DT_TRANSPORT_UDP)
		return 0;
	for (uint32_t i = 0; i < d->n_slots && d->pending; i++)
		if (replied(&d->slots[i], reply)) {
			give_up(d, &d->slots[i], true);
			n++;
		}
	return n;
}

void dt_ip_defrag_expire(struct dt_ip_defrag *d, uint64_t now_ns)
{
	if (!d || !d->pending)
		return;
	for (uint32_t i = 0; i < d->n_slots; i++) {
		struct slot *s = &d->slots[i];

		if (s->used && now_ns > s->born_ns && now_ns - s->born_ns >= d->timeout_ns)
			give_up(d, s, false);
	}
}

void dt_ip_defrag_flush(struct dt_ip_defrag *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->n_slots && d->pending; i++)
		if (d->slots[i].used)
			give_up(d, &d->slots[i], false);
}

uint32_t dt_ip_defrag_pending(const struct dt_ip_defrag *d)
{
	return d->pending;
}

uint32_t dt_ip_defrag_bytes(const struct dt_ip_defrag *d)
{
	return d->bytes;
}

void dt_ip_defrag_free(struct dt_ip_defrag *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->n_slots; i++)
		free(d->slots[i].buf);
	free(d->slots);
	free(d->done);
	free(d);
}
