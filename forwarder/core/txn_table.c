/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/byte_pool.h"
#include "core/txn_table.h"

#define NIL UINT32_MAX

struct dt_txn_table {
	struct dt_txn *pool; /* 64-byte aligned in pool_mem: a chain walk reads one line */
	void *pool_mem;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t max_buckets; /* buckets double up to this as `fresh` grows */
	uint32_t max;
	uint32_t count;
	uint32_t head, tail; /* FIFO, oldest at head */
	/* the head's ts_ns: the expiry check of every packet reads it here,
	 * not from a cold entry */
	uint64_t head_ts;
	uint32_t free_head; /* recycled entries, LIFO so the same few stay hot */
	uint32_t fresh; /* entries [fresh, max) never used yet */
	/* per table, so chains cannot be predicted from outside */
	uint64_t seed[6];
	struct dt_txn_recent *recent;
	/* per recent slot, 16 high bits of its hash (0: empty): a query looks
	 * at this small array, hot in cache, instead of missing on the 80-byte
	 * entry when, as nearly always, there is no recent copy */
	uint16_t *recent_tag;
	uint32_t recent_mask;
	struct dt_byte_pool *bytes; /* the entries' variable parts */
};

_Static_assert(sizeof(struct dt_txn) <= 128, "a pending entry stays compact");

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * A probe key was just written by the caller in 8-byte words (the engine's
 * fill_key()): reading it back in wider loads (memcmp, a struct copy) would
 * miss store-to-load forwarding, a stall of ~15 cycles each. So keys are
 * read, compared and copied word by word.
 */
static inline uint64_t key_word(const struct dt_txn_key *k, size_t i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + 8 * i, sizeof(w));
	return w;
}

static inline void key_copy(struct dt_txn_key *dst, const struct dt_txn_key *src)
{
	for (size_t i = 0; i < sizeof(*src) / 8; i++) {
		uint64_t w = key_word(src, i);

		memcpy((uint8_t *)dst + 8 * i, &w, sizeof(w));
	}
}

/* 64x64 -> 128-bit product folded to 64 bits. */
static uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

uint64_t dt_txn_key_hash(const struct dt_txn_table *t, const struct dt_txn_key *key)
{
	const uint64_t *s = t->seed;

	_Static_assert(sizeof(struct dt_txn_key) == 40, "key is packed");
	/* three independent products, then one more: the multiplies overlap
	 * instead of chaining word after word (this runs twice per transaction) */
	return mum(mum(key_word(key, 0) ^ s[0], key_word(key, 1) ^ s[1]) ^
			   mum(key_word(key, 2) ^ s[2], key_word(key, 3) ^ s[3]) ^
			   mum(key_word(key, 4) ^ s[4], 0x9e3779b97f4a7c15ULL),
		   s[5]);
}

/* ASCII A-Z to a-z in each byte of w; bytes >= 0x80 stay (as tolower would). */
static uint64_t lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t low7 = w & ~high;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');
	uint64_t gt_z = low7 + ones * (0x7f - 'Z');

	return w | ((ge_a & ~gt_z & ~w & high) >> 2);
}

/* Little-endian loads, so the byte order in a word is the same on any host. */
static uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static uint32_t load32(const char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	return w;
}

/*
 * The n (1..7) bytes at p, zero-padded to a word, with whole-register loads
 * that stay inside them (overlapping ones, equal bytes ORed onto themselves)
 * instead of a byte loop: byte i at bits 8i, as a little-endian memcpy().
 */
static uint64_t load_short(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n >= 4)
		return load32(p) | (uint64_t)load32(p + n - 4) << (8 * (n - 4));
	return u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) | (uint64_t)u[n - 1] << (8 * (n - 1));
}

/* Eight bytes per round: this runs for every query (a response shares its
 * query's hash). No byte after the NUL is read. */
uint64_t dt_txn_question_hash(const char *qname, uint16_t qtype, uint16_t qclass)
{
	const char *p = qname ? qname : "";
	size_t len = strlen(p), n = len, r = len & 7;
	uint64_t h = 0xcbf29ce484222325ULL ^ len, w;

	for (; n >= 8; n -= 8, p += 8) {
		h = (h ^ lower8(load64(p))) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	if (r) {
		/* after a whole word: the last 8 bytes, those already hashed shifted out */
		if (len >= 8)
			w = load64(p + r - 8) >> (8 * (8 - r));
		else
			w = load_short(p, r);
		h = (h ^ lower8(w)) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	h = mix(h ^ ((uint64_t)qtype << 16 | qclass));
	return h ? h : 1;
}

static bool key_eq(const struct dt_txn_key *a, const struct dt_txn_key *b)
{
	return ((key_word(a, 0) ^ key_word(b, 0)) | (key_word(a, 1) ^ key_word(b, 1)) |
		(key_word(a, 2) ^ key_word(b, 2)) | (key_word(a, 3) ^ key_word(b, 3)) |
		(key_word(a, 4) ^ key_word(b, 4))) == 0;
}

struct dt_txn_table *dt_txn_table_new(uint32_t max_entries)
{
	return dt_txn_table_new_budget(max_entries, 0);
}

struct dt_txn_table *dt_txn_table_new_budget(uint32_t max_entries, size_t bytes)
{
	struct dt_txn_table *t;
	uint32_t nb = 16, nr;

	if (max_entries == 0 || max_entries > (1u << 26))
		return NULL;
	if (!bytes)
		bytes = (size_t)max_entries * DT_TXN_BYTES_PER_ENTRY;
	while (nb < max_entries * 2u)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/* calloc of large blocks is mmap-backed: entries never touched cost no
	 * RSS, so they are handed out from `fresh` only when the free list is
	 * empty rather than threaded into it up front. */
	t->pool_mem = calloc((size_t)max_entries + 1, sizeof(*t->pool));
	if (!t->pool_mem)
		goto err_free_table;
	t->pool = (struct dt_txn *)(((uintptr_t)t->pool_mem + 63) & ~(uintptr_t)63);
	t->max_buckets = nb;
	nb = nb < 1024 ? nb : 1024;
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (!t->buckets)
		goto err_free_pool;
	nr = DT_TXN_RECENT_MIN;
	while (nr < max_entries && nr < DT_TXN_RECENT_MAX)
		nr <<= 1;
	t->recent = calloc(nr, sizeof(*t->recent));
	if (!t->recent)
		goto err_free_buckets;
	t->recent_tag = calloc(nr, sizeof(*t->recent_tag));
	if (!t->recent_tag)
		goto err_free_recent;
	t->recent_mask = nr - 1;
	t->bytes = dt_byte_pool_new(bytes);
	if (!t->bytes)
		goto err_free_recent;
	memset(t->buckets, 0xff, nb * sizeof(*t->buckets));
	t->bucket_mask = nb - 1;
	t->max = max_entries;
	t->head = t->tail = NIL;
	t->free_head = NIL;
	if (getrandom(t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed)) {
		uint64_t x = (uint64_t)(uintptr_t)t;

		for (size_t i = 0; i < 6; i++)
			t->seed[i] = mix(x += 0x9e3779b97f4a7c15ULL);
	}
	t->seed[5] |= 1; /* never 0: the last product would be 0 for every key */
	return t;

err_free_recent:
	free(t->recent_tag);
	free(t->recent);
err_free_buckets:
	free(t->buckets);
err_free_pool:
	free(t->pool_mem);
err_free_table:
	free(t);
	return NULL;
}

void dt_txn_table_free(struct dt_txn_table *t)
{
	if (!t)
		return;
	dt_byte_pool_free(t->bytes);
	free(t->recent_tag);
	free(t->recent);
	free(t->buckets);
	free(t->pool_mem);
	free(t);
}

struct dt_txn *dt_txn_find(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			   uint64_t qhash)
{
	for (uint32_t i = t->buckets[hash & t->bucket_mask]; i != NIL; i = t->pool[i].hnext) {
		struct dt_txn *txn = &t->pool[i];

		if (txn->hash == (uint32_t)hash && key_eq(&txn->key, key) &&
		    (qhash == 0 || txn->qhash == 0 || txn->qhash == qhash))
			return txn;
	}
	return NULL;
}

/* Twice the buckets, the pending entries rehashed. */
static void grow_buckets(struct dt_txn_table *t)
{
	uint32_t nb = (t->bucket_mask + 1) * 2;
	uint32_t *b = malloc(nb * sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	memset(b, 0xff, nb * sizeof(*b));
	for (uint32_t i = t->head; i != NIL; i = t->pool[i].next) {
		uint32_t *slot = &b[t->pool[i].hash & (nb - 1)];

		t->pool[i].hnext = *slot;
		*slot = i;
	}
	free(t->buckets);
	t->buckets = b;
	t->bucket_mask = nb - 1;
}

struct dt_txn *dt_txn_insert(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			     uint64_t qhash, uint64_t ts_ns)
{
	uint32_t i = t->free_head;
	uint32_t *bucket;
	struct dt_txn *txn;

	if (i != NIL) {
		txn = &t->pool[i];
		t->free_head = txn->next;
	} else if (t->fresh < t->max) {
		/* buckets follow the entries ever used: at most one per bucket */
		if (t->fresh > t->bucket_mask && t->bucket_mask + 1 < t->max_buckets)
			grow_buckets(t);
		i = t->fresh++;
		txn = &t->pool[i];
	} else {
		return NULL;
	}

	key_copy(&txn->key, key);
	txn->hash = (uint32_t)hash;
	txn->qhash = qhash;
	txn->ts_ns = ts_ns;
	txn->bytes = NULL;
	txn->flags = 0;
	txn->netns = 0;
	txn->ifindex = 0;
	txn->has_process = false;
	txn->malformed = false;
	txn->wire_len = 0;
	txn->qtext_off = 0;
	txn->proc_off = 0;
	txn->ident = 0;
	txn->has_qhead = false;
	txn->in_use = true;

	bucket = &t->buckets[hash & t->bucket_mask];
	txn->hnext = *bucket;
	*bucket = i;

	txn->next = NIL;
	txn->prev = t->tail;
	if (t->tail != NIL) {
		t->pool[t->tail].next = i;
	} else {
		t->head = i;
		t->head_ts = ts_ns;
	}
	t->tail = i;
	t->count++;
	return txn;
}

void dt_txn_remove(struct dt_txn_table *t, struct dt_txn *txn)
{
	uint32_t i = (uint32_t)(txn - t->pool);
	uint32_t *link = &t->buckets[txn->hash & t->bucket_mask];

	while (*link != NIL && *link != i)
		link = &t->pool[*link].hnext;
	if (*link == i)
		*link = txn->hnext;

	if (txn->prev != NIL) {
		t->pool[txn->prev].next = txn->next;
	} else {
		t->head = txn->next;
		if (txn->next != NIL)
			t->head_ts = t->pool[txn->next].ts_ns;
	}
	if (txn->next != NIL)
		t->pool[txn->next].prev = txn->prev;
	else
		t->tail = txn->prev;

	dt_byte_pool_put(t->bytes, txn->bytes);
	txn->bytes = NULL;
	txn->in_use = false;
	txn->next = t->free_head;
	t->free_head = i;
	t->count--;
}

uint8_t *dt_txn_bytes_get(struct dt_txn_table *t, size_t n)
{
	return dt_byte_pool_get(t->bytes, n);
}

void dt_txn_bytes_put(struct dt_txn_table *t, uint8_t *bytes)
{
	dt_byte_pool_put(t->bytes, bytes);
}

size_t dt_txn_bytes_used(const struct dt_txn_table *t)
{
	return dt_byte_pool_used(t->bytes);
}

struct dt_txn *dt_txn_oldest(struct dt_txn_table *t)
{
	return t->head == NIL ? NULL : &t->pool[t->head];
}

uint64_t dt_txn_oldest_ts(const struct dt_txn_table *t)
{
	return t->head == NIL ? UINT64_MAX : t->head_ts;
}

uint32_t dt_txn_count(const struct dt_txn_table *t)
{
	return t->count;
}

bool dt_txn_full(const struct dt_txn_table *t)
{
	return t->free_head == NIL && t->fresh == t->max;
}

/* Never 0; from bits the slot index does not use (it has at most 12). */
static uint16_t recent_tag(uint64_t hash)
{
	return (uint16_t)(hash >> 48) | 1;
}

void dt_txn_recent_add(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
		       uint64_t qhash, uint64_t query_ts_ns, uint64_t response_ts_ns)
{
	struct dt_txn_recent *r = &t->recent[hash & t->recent_mask];

	key_copy(&r->key, key);
	r->hash = hash;
	r->qhash = qhash;
	r->query_ts_ns = query_ts_ns;
	r->response_ts_ns = response_ts_ns;
	r->valid = true;
	t->recent_tag[hash & t->recent_mask] = recent_tag(hash);
}

const struct dt_txn_recent *dt_txn_recent_find(const struct dt_txn_table *t,
					       const struct dt_txn_key *key, uint64_t hash)
{
	const struct dt_txn_recent *r;

	if (t->recent_tag[hash & t->recent_mask] != recent_tag(hash))
		return NULL;
	r = &t->recent[hash & t->recent_mask];
	if (r->valid && r->hash == hash && key_eq(&r->key, key))
		return r;
	return NULL;
}
