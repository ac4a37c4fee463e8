/* SPDX-License-Identifier: MIT */
/*
 * core: the pending-query table starts with few hash buckets and doubles
 * them as entries are first used; every pending entry must stay findable
 * across each growth, removals included, and the table must stay bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/byte_pool.h"
#include "core/txn_proc.h"
#include "core/txn_table.h"

static struct dt_txn_key key_of(uint32_t n)
{
	struct dt_txn_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.transport = 17;
	k.id = (uint16_t)n;
	k.cli_port = (uint16_t)(1024 + (n >> 16));
	k.srv_port = 53;
	memcpy(k.cli_ip, &n, sizeof(n));
	k.srv_ip[0] = 10;
	return k;
}

static struct dt_txn *find(struct dt_txn_table *t, uint32_t n)
{
	struct dt_txn_key k = key_of(n);

	return dt_txn_find(t, &k, dt_txn_key_hash(t, &k), 0);
}

static struct dt_txn *insert(struct dt_txn_table *t, uint32_t n)
{
	struct dt_txn_key k = key_of(n);

	return dt_txn_insert(t, &k, dt_txn_key_hash(t, &k), (uint64_t)n + 1, 1000 + n);
}

static void test_growth_keeps_every_entry(void **state)
{
	enum { MAX = 20000 };
	struct dt_txn_table *t = dt_txn_table_new(MAX);
	(void)state;

	assert_non_null(t);
	for (uint32_t n = 0; n < MAX; n++) {
		struct dt_txn *txn = insert(t, n);

		assert_non_null(txn);
		assert_int_equal(txn->qhash, (uint64_t)n + 1);
		/* after every growth step (powers of two), all so far are found */
		if ((n & (n + 1)) == 0 || n == MAX - 1)
			for (uint32_t m = 0; m <= n; m++)
				assert_ptr_not_equal(find(t, m), NULL);
	}
	assert_int_equal(dt_txn_count(t), MAX);
	assert_true(dt_txn_full(t));
	assert_null(insert(t, MAX)); /* bounded */
	assert_null(find(t, MAX + 1));

	/* remove every third, the rest still found, the removed not */
	for (uint32_t n = 0; n < MAX; n += 3)
		dt_txn_remove(t, find(t, n));
	for (uint32_t n = 0; n < MAX; n++) {
		if (n % 3 == 0)
			assert_null(find(t, n));
		else
			assert_int_equal(find(t, n)->qhash, (uint64_t)n + 1);
	}
	dt_txn_table_free(t);
}

/* Growth while entries were removed and reused: the free list and fresh
 * entries mix, the FIFO order (oldest first) holds. */
static void test_growth_with_churn(void **state)
{
	struct dt_txn_table *t = dt_txn_table_new(8192);
	uint32_t next = 0;
	(void)state;

	assert_non_null(t);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 1000; i++)
			assert_non_null(insert(t, next++));
		for (int i = 0; i < 300; i++)
			dt_txn_remove(t, dt_txn_oldest(t));
	}
	assert_int_equal(dt_txn_count(t), next - 8 * 300);
	for (uint32_t n = 0; n < next; n++)
		assert_true((find(t, n) != NULL) == (n >= 8 * 300));
	assert_int_equal(dt_txn_oldest(t)->qhash, 8 * 300 + 1);
	dt_txn_table_free(t);
}

/* Blocks: rounded to 16-byte classes, distinct, written without
 * overlapping; a returned block is the next one of its class. */
static void test_pool_alloc_free_reuse(void **state)
{
	struct dt_byte_pool *p = dt_byte_pool_new(0);
	uint8_t *a, *b, *c;

	(void)state;
	assert_non_null(p);
	assert_null(dt_byte_pool_get(p, 0));
	assert_null(dt_byte_pool_get(p, DT_BYTE_POOL_MAX + 1));
	a = dt_byte_pool_get(p, 100);
	b = dt_byte_pool_get(p, 112);
	c = dt_byte_pool_get(p, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_ptr_equal(b, a + 112); /* same class (112), next block */
	assert_int_equal(dt_byte_pool_used(p), 112 + 112 + 16);
	assert_int_equal(dt_byte_pool_slabs(p), 2);
	memset(a, 0xaa, 112);
	memset(b, 0xbb, 112);
	assert_int_equal(a[111], 0xaa);
	assert_int_equal(b[0], 0xbb);
	dt_byte_pool_put(p, a);
	assert_ptr_equal(dt_byte_pool_get(p, 97), a);
	assert_int_equal(b[0], 0xbb); /* the free list did not touch b */
	dt_byte_pool_put(p, a);
	dt_byte_pool_put(p, b);
	dt_byte_pool_put(p, c);
	dt_byte_pool_put(p, NULL);
	assert_int_equal(dt_byte_pool_used(p), 0);
	assert_int_equal(dt_byte_pool_slabs(p), 0);
	/* the emptied slab was kept back for its class: its block returned
	 * last comes again, and no new slab is touched */
	assert_ptr_equal(dt_byte_pool_get(p, 100), b);
	assert_int_equal(dt_byte_pool_slabs_touched(p), 2);
	dt_byte_pool_free(p);
}

/* A spent budget says NULL; emptied slabs serve any class afterwards, and
 * the slabs ever touched never exceed the budget. */
static void test_pool_budget(void **state)
{
	const uint32_t slabs = DT_BYTE_POOL_MIN_SLABS;
	struct dt_byte_pool *p = dt_byte_pool_new(slabs * DT_BYTE_POOL_SLAB);
	static uint8_t *blk[4096];
	uint32_t n = 0, per = DT_BYTE_POOL_SLAB / 1008;

	(void)state;
	assert_non_null(p);
	while ((blk[n] = dt_byte_pool_get(p, 1000)))
		n++;
	assert_int_equal(n, slabs * per);
	assert_null(dt_byte_pool_get(p, 16)); /* no slab left for another class */
	assert_int_equal(dt_byte_pool_slabs_touched(p), slabs);
	/* one block back: its class has room again, others still not */
	dt_byte_pool_put(p, blk[5]);
	assert_null(dt_byte_pool_get(p, 16));
	assert_ptr_equal(dt_byte_pool_get(p, 993), blk[5]); /* class 1008 */
	/* a whole slab back (blocks 0..per-1 share the first one) */
	for (uint32_t i = 0; i < per; i++)
		dt_byte_pool_put(p, blk[i]);
	assert_int_equal(dt_byte_pool_slabs(p), slabs - 1);
	for (uint32_t i = 0; i < DT_BYTE_POOL_SLAB / 16; i++)
		assert_non_null(dt_byte_pool_get(p, 16));
	assert_null(dt_byte_pool_get(p, 16));
	assert_int_equal(dt_byte_pool_slabs_touched(p), slabs);
	assert_int_equal(dt_byte_pool_used(p), (size_t)(slabs - 1) * per * 1008 + DT_BYTE_POOL_SLAB);
	dt_byte_pool_free(p);
}

/* The table hands its bytes out from the pool and takes them back when an
 * entry goes. */
static void test_table_bytes_released(void **state)
{
	struct dt_txn_table *t = dt_txn_table_new_budget(4, 0);
	struct dt_txn *txn;

	(void)state;
	assert_non_null(t);
	txn = insert(t, 1);
	assert_non_null(txn);
	assert_null(txn->bytes);
	txn->bytes = dt_txn_bytes_get(t, 200);
	assert_non_null(txn->bytes);
	assert_int_equal(dt_txn_bytes_used(t), 208);
	dt_txn_remove(t, txn);
	assert_int_equal(dt_txn_bytes_used(t), 0);
	dt_txn_table_free(t);
}

/* A completed transaction is found by its key until another one takes its
 * slot; another key in the same slot is not it. */
static void test_recent(void **state)
{
	struct dt_txn_table *t = dt_txn_table_new(64); /* 64 recent slots */
	struct dt_txn_key k1 = key_of(1), k2;
	uint64_t h1 = dt_txn_key_hash(t, &k1), h2 = 0;
	const struct dt_txn_recent *r;
	uint32_t n;

	(void)state;
	assert_non_null(t);
	assert_null(dt_txn_recent_find(t, &k1, h1));
	dt_txn_recent_add(t, &k1, h1, 7, 100, 200);
	r = dt_txn_recent_find(t, &k1, h1);
	assert_non_null(r);
	assert_int_equal(r->qhash, 7);
	assert_int_equal(r->query_ts_ns, 100);
	assert_int_equal(r->response_ts_ns, 200);
	/* a key landing in the same slot */
	for (n = 2;; n++) {
		k2 = key_of(n);
		h2 = dt_txn_key_hash(t, &k2);
		if ((h2 & 63) == (h1 & 63))
			break;
	}
	assert_null(dt_txn_recent_find(t, &k2, h2));
	/* same hash, another key (a collision): still not it */
	assert_null(dt_txn_recent_find(t, &k2, h1));
	dt_txn_recent_add(t, &k2, h2, 8, 300, 400);
	assert_null(dt_txn_recent_find(t, &k1, h1));
	assert_non_null(dt_txn_recent_find(t, &k2, h2));
	dt_txn_table_free(t);
}

/* The oldest entry's time, kept by the table, follows the FIFO head. */
static void test_oldest_ts(void **state)
{
	struct dt_txn_table *t = dt_txn_table_new(8);
	struct dt_txn *a, *b, *c;

	(void)state;
	assert_non_null(t);
	assert_int_equal(dt_txn_oldest_ts(t), UINT64_MAX);
	a = insert(t, 1); /* ts 1001 */
	b = insert(t, 2);
	c = insert(t, 3);
	assert_int_equal(dt_txn_oldest_ts(t), 1001);
	dt_txn_remove(t, b);
	assert_int_equal(dt_txn_oldest_ts(t), 1001);
	dt_txn_remove(t, a);
	assert_int_equal(dt_txn_oldest_ts(t), 1003);
	assert_ptr_equal(dt_txn_oldest(t), c);
	dt_txn_remove(t, c);
	assert_int_equal(dt_txn_oldest_ts(t), UINT64_MAX);
	insert(t, 7);
	assert_int_equal(dt_txn_oldest_ts(t), 1007);
	assert_int_equal((uintptr_t)dt_txn_oldest(t) % 64, 0); /* entries on cache lines */
	dt_txn_table_free(t);
}

static void proc_set(struct dt_process *p, uint32_t pid, const char *thread, const char *exe)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->tid = pid + 1;
	p->ppid = 1;
	p->uid = 1000;
	p->gid = 100;
	p->cgroup_id = 77;
	strcpy(p->name, "dig");
	strcpy(p->thread_name, thread);
	strcpy(p->exe, exe);
	strcpy(p->container_id, "abc123");
}

/* Packed identities come back byte for byte; the second one of a process
 * shares the first's slot (5 bytes kept), a changed one does not, and a
 * released slot takes the next identity. */
static void test_proc_pack_share(void **state)
{
	struct dt_txn_idents *ids = dt_txn_idents_new();
	struct dt_txn_proc_plan a, b, c, d;
	struct dt_process p, out;
	uint8_t buf[3][512];

	(void)state;
	assert_non_null(ids);
	proc_set(&p, 4242, "dig", "/usr/bin/dig");
	dt_txn_proc_plan(ids, &p, &a);
	assert_int_not_equal(a.ident, 0);
	assert_int_equal(a.size, 5); /* the thread: its name is the process's */
	dt_txn_proc_pack(buf[0], &p, &a);
	memset(&out, 0, sizeof(out));
	dt_txn_proc_unpack(ids, a.ident, buf[0], &out);
	assert_memory_equal(&out, &p, sizeof(p));

	proc_set(&p, 4242, "isc-net-0000", "/usr/bin/dig");
	dt_txn_proc_plan(ids, &p, &b);
	assert_int_equal(b.ident, a.ident);
	assert_int_equal(b.size, 5 + 16);
	dt_txn_proc_pack(buf[1], &p, &b);
	memset(&out, 0, sizeof(out));
	dt_txn_proc_unpack(ids, b.ident, buf[1], &out);
	assert_memory_equal(&out, &p, sizeof(p));

	proc_set(&p, 4242, "dig", "/usr/local/bin/dig"); /* an exec */
	dt_txn_proc_plan(ids, &p, &c);
	assert_int_equal(c.ident, 0);
	assert_int_equal(c.size, sizeof(struct dt_txn_proc) + strlen(p.exe) + 6);
	dt_txn_proc_pack(buf[2], &p, &c);
	memset(&out, 0, sizeof(out));
	dt_txn_proc_unpack(ids, 0, buf[2], &out);
	assert_memory_equal(&out, &p, sizeof(p));

	/* the first identity is still there for the first query */
	proc_set(&p, 4242, "dig", "/usr/bin/dig");
	memset(&out, 0, sizeof(out));
	dt_txn_proc_unpack(ids, a.ident, buf[0], &out);
	assert_memory_equal(&out, &p, sizeof(p));

	dt_txn_idents_put(ids, a.ident);
	dt_txn_idents_put(ids, b.ident);
	proc_set(&p, 4242, "dig", "/usr/local/bin/dig");
	dt_txn_proc_plan(ids, &p, &d);
	assert_int_equal(d.ident, a.ident); /* the slot was free again */
	dt_txn_idents_put(ids, d.ident);
	dt_txn_idents_free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_keeps_every_entry),
		cmocka_unit_test(test_growth_with_churn),
		cmocka_unit_test(test_pool_alloc_free_reuse),
		cmocka_unit_test(test_pool_budget),
		cmocka_unit_test(test_table_bytes_released),
		cmocka_unit_test(test_recent),
		cmocka_unit_test(test_oldest_ts),
		cmocka_unit_test(test_proc_pack_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
