// SPDX-License-Identifier: MIT
/*
 * The decoder's hand-written hot paths against what they replace: IPv6
 * text against glibc's inet_ntop, and names against a plain reference.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_internal.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void ipv6_both(const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN], got[64];
	struct dns_out o = {.buf = got, .cap = sizeof(got)};

	assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	dns_out_ipv6(&o, a);
	assert_false(o.full);
	got[o.len] = '\0';
	assert_string_equal(got, want);
}

static void test_ipv6_cases(void **state)
{
	static const char *const cases[] = {
	    "::",
	    "::1",
	    "::2",
	    "1::",
	    "::ffff:1.2.3.4",
	    "::1.2.3.4",
	    "::1:2",
	    "::ffff:0:1.2.3.4",
	    "::fffe:1.2.3.4",
	    "1:0:0:1::",
	    "1:0:1:0:0:1:0:0",
	    "0:1::",
	    "2001:db8::1",
	    "fe80::1:2:3:4",
	    "1:2:3:4:5:6:7:8",
	    "1:0:2:0:3:0:4:0",
	    "ffff:ffff::",
	    "::ffff:0.0.0.0",
	    "1:2::7:8",
	    "a:b:c:d:e:f:0:0",
	};
	uint8_t a[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, cases[i], a), 1);
		ipv6_both(a);
	}
}

/* Random groups, zero half of the time, so every run layout occurs. */
static void test_ipv6_random(void **state)
{
	uint8_t a[16];

	(void)state;
	for (int n = 0; n < 300000; n++) {
		for (int g = 0; g < 8; g++) {
			uint32_t r = rnd();
			unsigned v = r & 1 ? 0 : r & 2 ? 0xffff : (r >> 8) & (r & 4 ? 0xf : 0xffff);

			a[2 * g] = (uint8_t)(v >> 8);
			a[2 * g + 1] = (uint8_t)v;
		}
		ipv6_both(a);
	}
}

static void ipv4_both(const uint8_t a[4])
{
	char want[INET_ADDRSTRLEN], got[32];
	struct dns_out o = {.buf = got, .cap = sizeof(got)};

	assert_non_null(inet_ntop(AF_INET, a, want, sizeof(want)));
	dns_out_ipv4(&o, a);
	assert_false(o.full);
	got[o.len] = '\0';
	assert_string_equal(got, want);
}

/* Every octet value in every position, then random addresses. */
static void test_ipv4(void **state)
{
	uint8_t a[4];

	(void)state;
	for (unsigned v = 0; v < 256; v++)
		for (int i = 0; i < 4; i++) {
			memset(a, (int)(255 - v), sizeof(a));
			a[i] = (uint8_t)v;
			ipv4_both(a);
		}
	for (int n = 0; n < 100000; n++) {
		uint32_t r = rnd();

		memcpy(a, &r, 4);
		ipv4_both(a);
	}
}

/* A full writer stays full and writes nothing past its capacity. */
static void test_ipv6_full(void **state)
{
	uint8_t a[16];
	char buf[8];
	struct dns_out o = {.buf = buf, .cap = sizeof(buf)};

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", a), 1);
	dns_out_ipv6(&o, a);
	assert_true(o.full);
	assert_int_equal(o.len, 0);
}

/* ---- names: the decoder's reader against a plain one ---- */

/* Straightforward reading of RFC 1035 names with the decoder's rules:
 * pointers strictly below everything visited, at most DNS_MAX_HOPS,
 * 255 bytes, labels up to 63; dig-style escapes. */
static int ref_name(const uint8_t *w, size_t len, size_t *off, char *out, size_t cap, bool root_dot,
		    const char **why)
{
	size_t pos = *off, lowest = *off, n = 0, total = 1, after = 0;
	unsigned hops = 0;

	for (;;) {
		if (pos >= len)
			return *why = "name runs past the end of the message", -EBADMSG;
		if (w[pos] >= 0xc0) {
			size_t t;

			if (pos + 1 >= len)
				return *why = "compression pointer cut off", -EBADMSG;
			t = (size_t)(w[pos] & 0x3f) << 8 | w[pos + 1];
			if (!after)
				after = pos + 2;
			if (t >= lowest)
				return *why = "compression pointer does not point backwards",
				       -ELOOP;
			if (++hops > DNS_MAX_HOPS)
				return *why = "too many compression pointers", -ELOOP;
			lowest = pos = t;
			continue;
		}
		if (w[pos] & 0xc0)
			return *why = "label longer than 63 bytes (or obsolete label type)",
			       -EMSGSIZE;
		if (!w[pos])
			break;
		total += 1u + w[pos];
		if (total > 255)
			return *why = "name longer than 255 bytes", -EMSGSIZE;
		if (pos + 1 + w[pos] > len)
			return *why = "label runs past the end of the message", -EBADMSG;
		if (n)
			out[n++] = '.';
		for (size_t i = pos + 1; i <= pos + w[pos]; i++) {
			uint8_t c = w[i];

			if (c <= 0x20 || c >= 0x7f)
				n += (size_t)sprintf(out + n, "\\%03u", c);
			else if (strchr(".\\\"();@$", c))
				n += (size_t)sprintf(out + n, "\\%c", c);
			else
				out[n++] = (char)c;
		}
		pos += 1u + w[pos];
	}
	if (!n && root_dot)
		out[n++] = '.';
	out[n] = '\0';
	assert_true(n < cap);
	*off = after ? after : pos + 1;
	return 0;
}

/* Random names: labels of random bytes (some to escape), pointers back to
 * earlier label starts (some forwards, some into the middle of a label),
 * bad label types, cut ends. */
static size_t random_names(uint8_t *w, size_t cap, size_t *starts, size_t *n_starts)
{
	size_t n = 12;

	*n_starts = 0;
	memset(w, 0, 12);
	while (n + 80 < cap && *n_starts < 64) {
		unsigned labels = rnd() % 5;

		starts[(*n_starts)++] = n;
		for (unsigned l = 0; l < labels; l++) {
			unsigned ll = rnd() % 8 == 0 ? rnd() % 64 : 1 + rnd() % 10;

			w[n++] = (uint8_t)ll;
			for (unsigned i = 0; i < ll; i++)
				w[n++] = (uint8_t)(rnd() % 4 ? 'a' + rnd() % 26 : rnd());
		}
		switch (rnd() % 8) {
		case 0:
		case 1:
		case 2: {
			size_t t = *n_starts > 1 ? starts[rnd() % (*n_starts - 1)] : n;

			t += rnd() % 16 == 0 ? 1 : 0;
			w[n++] = (uint8_t)(0xc0 | t >> 8);
			w[n++] = (uint8_t)t;
			break;
		}
		case 3:
			w[n++] = (uint8_t)(0x40 | (rnd() & 0x80));
			break;
		default:
			w[n++] = 0;
		}
	}
	return n - rnd() % 3;
}

static void test_names_vs_reference(void **state)
{
	static uint8_t w[4096];
	static char want[8192], got[8192];
	size_t starts[64], n_starts;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = random_names(w, sizeof(w), starts, &n_starts);

		for (size_t k = 0; k < n_starts; k++) {
			size_t o1 = starts[k], o2 = starts[k];
			const char *why1 = NULL, *why2 = NULL;
			struct dns_out o = {.buf = got, .cap = sizeof(got)};
			bool root_dot = k & 1;
			int r1 = ref_name(w, len, &o1, want, sizeof(want), root_dot, &why1);
			int r2 = dns_name_read(w, len, &o2, &o, root_dot, &why2);

			assert_int_equal(r2, r1);
			if (r1) {
				assert_string_equal(why2, why1);
				continue;
			}
			assert_false(o.full);
			got[o.len] = '\0';
			assert_string_equal(got, want);
			assert_int_equal(o2, o1);
		}
	}
}

/* A writer too small for the name: full, never past its capacity. */
static void test_name_full(void **state)
{
	static const uint8_t w[] = {0, 0,   0,	 0,   0,   0,	0, 0,	0,   0,	  0, 0,
				    5, 'a', 'b', '.', 'd', 'e', 3, 'c', 'o', 'm', 0};
	char buf[32];

	(void)state;
	for (size_t cap = 1; cap < 14; cap++) {
		struct dns_out o = {.buf = buf, .cap = cap};
		const char *why = NULL;
		size_t off = 12;

		memset(buf, 'x', sizeof(buf));
		assert_int_equal(dns_name_read(w, sizeof(w), &off, &o, false, &why), 0);
		assert_int_equal(o.full, cap < 11); /* "ab\\.de.com" + NUL */
		assert_true(o.len < cap);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'x');
	}
}

/* ---- messages: cached names and shared questions ---- */

struct msgb {
	uint8_t b[4096];
	size_t n;
	size_t labels[256]; /* label starts, for pointers */
	size_t n_labels;
	size_t owner[64], rdata[64]; /* per record: owner name, rdata offsets */
	uint16_t type[64];
	unsigned n_rr;
};

static void mb_name(struct msgb *m)
{
	unsigned labels = rnd() % 4;
	size_t before = m->n_labels; /* pointers go to earlier names only */

	for (unsigned l = 0; l < labels; l++) {
		unsigned ll = 1 + rnd() % 9;

		if (m->n_labels < 256)
			m->labels[m->n_labels++] = m->n;
		m->b[m->n++] = (uint8_t)ll;
		for (unsigned i = 0; i < ll; i++)
			m->b[m->n++] = (uint8_t)(rnd() % 16 ? 'a' + rnd() % 26
							    : (uint32_t) "-_.\\ A"[rnd() % 6]);
	}
	if (before && rnd() % 3) {
		size_t t = m->labels[rnd() % before];

		m->b[m->n++] = (uint8_t)(0xc0 | t >> 8);
		m->b[m->n++] = (uint8_t)t;
	} else {
		m->b[m->n++] = 0;
	}
}

static void mb_u16(struct msgb *m, uint16_t v)
{
	m->b[m->n++] = (uint8_t)(v >> 8);
	m->b[m->n++] = (uint8_t)v;
}

static void random_message(struct msgb *m)
{
	static const uint16_t types[] = {1, 2, 5, 12, 39, 28, 15, 16};

	memset(m, 0, sizeof(*m));
	m->n = 12;
	m->b[5] = 1; /* one question */
	mb_name(m);
	mb_u16(m, 1);
	mb_u16(m, 1);
	m->n_rr = rnd() % 12;
	m->b[7] = (uint8_t)m->n_rr;
	for (unsigned i = 0; i < m->n_rr; i++) {
		size_t rdlen_at;

		m->type[i] = types[rnd() % 8];
		m->owner[i] = m->n;
		mb_name(m);
		mb_u16(m, m->type[i]);
		mb_u16(m, 1);
		mb_u16(m, 0);
		mb_u16(m, 60);
		rdlen_at = m->n;
		mb_u16(m, 0);
		m->rdata[i] = m->n;
		if (m->type[i] == 1) {
			for (int k = 0; k < 4; k++)
				m->b[m->n++] = (uint8_t)rnd();
		} else if (m->type[i] == 28 || m->type[i] == 16) {
			m->b[m->n++] = 15;
			for (int k = 0; k < 15; k++)
				m->b[m->n++] = (uint8_t)('a' + rnd() % 26);
		} else {
			if (m->type[i] == 15)
				mb_u16(m, 10);
			mb_name(m);
		}
		m->b[rdlen_at] = (uint8_t)((m->n - m->rdata[i]) >> 8);
		m->b[rdlen_at + 1] = (uint8_t)(m->n - m->rdata[i]);
	}
}

/* Every name the decoder presents (through its cache or not) is what
 * reading it afresh at its offset gives. */
static void check_names(const struct msgb *m, const struct dns_msg *msg)
{
	static char want[2048];

	for (unsigned i = 0; i < msg->n_rr; i++) {
		const char *why = NULL;
		size_t off = m->owner[i];
		bool name_rdata =
		    m->type[i] == 2 || m->type[i] == 5 || m->type[i] == 12 || m->type[i] == 39;

		assert_int_equal(ref_name(m->b, m->n, &off, want, sizeof(want), false, &why), 0);
		assert_string_equal(msg->rr[i].name, want);
		if (name_rdata) {
			off = m->rdata[i];
			assert_int_equal(ref_name(m->b, m->n, &off, want, sizeof(want), true, &why),
					 0);
			assert_string_equal(msg->rr[i].data, want);
		}
	}
}

static void assert_same_msg(const struct dns_msg *a, const struct dns_msg *b)
{
	assert_int_equal(a->error, b->error);
	assert_int_equal(a->has_question, b->has_question);
	if (a->has_question) {
		assert_string_equal(a->qname, b->qname);
		assert_int_equal(a->qtype, b->qtype);
		assert_int_equal(a->qclass, b->qclass);
	}
	assert_int_equal(a->n_rr, b->n_rr);
	for (unsigned i = 0; i < a->n_rr; i++) {
		assert_string_equal(a->rr[i].name, b->rr[i].name);
		assert_string_equal(a->rr[i].data, b->rr[i].data);
		assert_int_equal(a->rr[i].type, b->rr[i].type);
	}
}

static void test_messages(void **state)
{
	static struct msgb m, other;
	static struct dns_msg plain, shared, refmsg;
	unsigned ok = 0, shared_n = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		int rc;

		random_message(&m);
		rc = dns_decode(m.b, m.n, &plain);
		if (rc == 0) {
			check_names(&m, &plain);
			ok++;
		}
		/* the same question as reference: shared (when plain), same result */
		if (dns_decode(m.b, m.n, &refmsg) == 0 && refmsg.has_question) {
			assert_int_equal(
			    dns_decode_qname(m.b, m.n, &shared, m.b, m.n, refmsg.qname), rc);
			assert_same_msg(&shared, &plain);
			if (rc == 0)
				check_names(&m, &shared);
			shared_n += shared.qname == refmsg.qname;
		}
		/* another message as reference: same result, never its name */
		random_message(&other);
		if (dns_decode(other.b, other.n, &refmsg) == 0 && refmsg.has_question) {
			assert_int_equal(
			    dns_decode_qname(m.b, m.n, &shared, other.b, other.n, refmsg.qname),
			    rc);
			assert_same_msg(&shared, &plain);
		}
		/* the reference cut short, or missing */
		assert_int_equal(dns_decode_qname(m.b, m.n, &shared, m.b, 13, "x"), rc);
		assert_same_msg(&shared, &plain);
		assert_int_equal(dns_decode_qname(m.b, m.n, &shared, NULL, 0, NULL), rc);
		assert_same_msg(&shared, &plain);
	}
	printf("decoded %u of 20000, question shared in %u\n", ok, shared_n);
	assert_true(ok > 10000);
	assert_true(shared_n > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv6_cases),	       cmocka_unit_test(test_ipv6_random),
	    cmocka_unit_test(test_ipv6_full),	       cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_names_vs_reference), cmocka_unit_test(test_name_full),
	    cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
