/* SPDX-License-Identifier: MIT */
/*
 * ECS JSON, text lines and the stats line, checked by parsing the output
 * with a real JSON parser (jansson) and comparing values.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/ecs_json.h"
#include "core/fmt.h"
#include "core/text_format.h"
#include "core_testlib.h"

/* The last record the engine emitted, formatted both ways. */
static struct {
	unsigned n;
	int json_len, text_len;
	char json[DT_ECS_JSON_MAX];
	char text[4096];
	/* the decoder's own strings, to compare with what JSON gives back */
	char answer_data[DNS_MAX_RR][1024];
	unsigned n_answer;
	char qname[DNS_NAME_MAX];
} out;

static void format_emit(const struct dt_record *rec, void *user)
{
	const struct dns_msg *r = rec->response;
	const struct dns_msg *q = rec->query ? rec->query : r;

	out.n++;
	out.json_len = dt_ecs_json(rec, out.json, sizeof(out.json));
	out.text_len = dt_text_format(rec, out.text, sizeof(out.text));
	out.n_answer = 0;
	out.qname[0] = '\0';
	if (q && q->has_question)
		snprintf(out.qname, sizeof(out.qname), "%s", q->qname);
	for (unsigned i = 0; r && i < r->n_rr; i++)
		if (r->rr[i].section == DNS_SECTION_ANSWER && r->rr[i].data)
			snprintf(out.answer_data[out.n_answer++], sizeof(out.answer_data[0]), "%s",
				 r->rr[i].data);
}

static struct dt_engine *engine(void)
{
	struct dt_engine_config cfg = { .tag = "dns", .host_name = "web01",
					.emit = format_emit };
	struct dt_engine *e = NULL;

	memset(&out, 0, sizeof(out));
	assert_int_equal(dt_engine_new(&cfg, &e), 0);
	return e;
}

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &err);

	if (!j)
		fail_msg("not JSON (%s at %d): %s", err.text, err.position, s);
	return j;
}

/* Value at a path "a.b.c" of nested objects (no dotted keys). */
static json_t *at(json_t *j, const char *path)
{
	char key[128];
	const char *p = path;

	while (j && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		j = json_object_get(j, key);
		p += n + (p[n] == '.');
	}
	return j;
}

static const char *str_at(json_t *j, const char *path)
{
	json_t *v = at(j, path);

	if (!json_is_string(v))
		fail_msg("%s is not a string", path);
	return json_string_value(v);
}

static json_int_t int_at(json_t *j, const char *path)
{
	json_t *v = at(j, path);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

/* No nulls, no dotted keys, anywhere. */
static void check_clean(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	assert_false(json_is_null(j));
	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if (strchr(key, '.'))
				fail_msg("dotted key %s", key);
			check_clean(v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			check_clean(v);
	}
}

static void udp(struct dt_engine *e, bool from_client, uint16_t cport, uint64_t ts,
		const struct wire *w, bool with_process)
{
	struct dt_packet p;

	if (from_client)
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.1", cport, "10.0.0.2", 53, ts, w->b, w->n);
	else
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.2", 53, "10.0.0.1", cport, ts, w->b, w->n);
	p.netns = 4026531840u;
	p.ifindex = 2;
	if (with_process) {
		p.flags = DT_PKT_HAS_PROCESS;
		p.pid = 4242;
		p.tid = 4243;
		p.uid = 1000;
		p.gid = 100;
		snprintf(p.comm, sizeof(p.comm), "isc-net-0000");
	}
	dt_engine_packet(e, &p);
}

static int lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	proc->ppid = 1;
	snprintf(proc->name, sizeof(proc->name), "dig");
	snprintf(proc->exe, sizeof(proc->exe), "/usr/bin/dig");
	snprintf(proc->container_id, sizeof(proc->container_id), "%064x", 0xabc);
	return 0;
}

static void ok_record_every_field(void **state)
{
	struct dt_engine_config cfg = { .tag = "dns", .host_name = "web01",
					.emit = format_emit, .process_lookup = lookup };
	struct dt_engine *e = NULL;
	static struct wire q, r;
	json_t *j, *a;

	memset(&out, 0, sizeof(out));
	assert_int_equal(dt_engine_new(&cfg, &e), 0);
	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	udp(e, true, 53011, T0, &q, true);
	udp(e, false, 53011, T0 + 1500000, &r, false);
	assert_int_equal(out.n, 1);
	assert_true(out.json_len > 0);
	assert_int_equal(out.json_len, strlen(out.json));
	j = parse(out.json);
	check_clean(j);

	assert_string_equal(str_at(j, "@timestamp"), "2025-11-26T13:08:01.123456789Z");
	assert_string_equal(str_at(j, "event.kind"), "event");
	a = at(j, "event.category");
	assert_true(json_is_array(a) && json_array_size(a) == 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "network");
	a = at(j, "event.type");
	assert_true(json_is_array(a) && json_array_size(a) == 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "protocol");
	assert_string_equal(str_at(j, "event.dataset"), "dnstrail.dns");
	assert_int_equal(int_at(j, "event.duration"), 1500000);
	assert_string_equal(str_at(j, "event.outcome"), "success");

	assert_string_equal(str_at(j, "dns.type"), "answer");
	assert_int_equal(int_at(j, "dns.id"), 0x1000);
	assert_string_equal(str_at(j, "dns.op_code"), "QUERY");
	a = at(j, "dns.header_flags"); /* a.response: QR AA RD */
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "AA");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "RD");
	assert_string_equal(str_at(j, "dns.response_code"), "NOERROR");
	assert_string_equal(str_at(j, "dns.question.name"), "www.example.test");
	assert_string_equal(str_at(j, "dns.question.type"), "A");
	assert_string_equal(str_at(j, "dns.question.class"), "IN");
	assert_string_equal(str_at(j, "dns.question.registered_domain"), "example.test");
	assert_string_equal(str_at(j, "dns.question.subdomain"), "www");
	assert_string_equal(str_at(j, "dns.question.top_level_domain"), "test");
	a = at(j, "dns.answers");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(str_at(json_array_get(a, 0), "name"), "www.example.test");
	assert_string_equal(str_at(json_array_get(a, 0), "type"), "A");
	assert_string_equal(str_at(json_array_get(a, 0), "class"), "IN");
	assert_int_equal(int_at(json_array_get(a, 0), "ttl"), 3600);
	assert_string_equal(str_at(json_array_get(a, 0), "data"), "192.0.2.1");
	a = at(j, "dns.resolved_ip");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "192.0.2.1");

	assert_int_equal(int_at(j, "process.pid"), 4242);
	assert_string_equal(str_at(j, "process.name"), "dig");
	assert_string_equal(str_at(j, "process.executable"), "/usr/bin/dig");
	assert_int_equal(int_at(j, "process.parent.pid"), 1);
	assert_int_equal(int_at(j, "process.thread.id"), 4243);
	assert_string_equal(str_at(j, "process.thread.name"), "isc-net-0000");
	assert_string_equal(str_at(j, "user.id"), "1000");
	assert_string_equal(str_at(j, "group.id"), "100");
	assert_string_equal(str_at(j, "source.ip"), "10.0.0.1");
	assert_int_equal(int_at(j, "source.port"), 53011);
	assert_string_equal(str_at(j, "destination.ip"), "10.0.0.2");
	assert_int_equal(int_at(j, "destination.port"), 53);
	assert_string_equal(str_at(j, "network.transport"), "udp");
	assert_string_equal(str_at(j, "network.type"), "ipv4");
	assert_string_equal(str_at(j, "network.protocol"), "dns");
	assert_string_equal(str_at(j, "network.iana_number"), "17");
	assert_string_equal(str_at(j, "host.name"), "web01");
	assert_int_equal(strlen(str_at(j, "container.id")), 64);

	assert_string_equal(str_at(j, "dnstrail.status"), "ok");
	assert_string_equal(str_at(j, "dnstrail.tag"), "dns");
	assert_int_equal(int_at(j, "dnstrail.netns"), 4026531840u);
	assert_int_equal(int_at(j, "dnstrail.ifindex"), 2);
	assert_int_equal(int_at(j, "dnstrail.query_size"), q.n);
	assert_int_equal(int_at(j, "dnstrail.response_size"), r.n);
	assert_int_equal(int_at(j, "dnstrail.answers"), 1);
	assert_int_equal(int_at(j, "dnstrail.authorities"), 1);
	assert_int_equal(int_at(j, "dnstrail.additionals"), 2);
	assert_int_equal(int_at(j, "dnstrail.edns.udp_size"), 1232);
	assert_true(json_is_false(at(j, "dnstrail.edns.do")));
	assert_null(at(j, "dnstrail.flags"));
	assert_null(at(j, "dnstrail.error"));
	json_decref(j);

	assert_string_equal(out.text, "2025-11-26T13:08:01.123Z dig[4242] uid=1000 udp "
				      "10.0.0.1:53011 -> 10.0.0.2:53 A www.example.test NOERROR "
				      "1.5ms 192.0.2.1");
	dt_engine_free(e);
}

static void timeout_record(void **state)
{
	struct dt_engine *e = engine();
	static struct wire q;
	json_t *j;

	wire_load(&q, "aaaa.query");
	udp(e, true, 53012, T0, &q, false);
	udp(e, true, 53012, T0 + 2 * SEC, &q, false);
	dt_engine_flush(e);
	assert_int_equal(out.n, 1);
	j = parse(out.json);
	check_clean(j);
	assert_string_equal(str_at(j, "@timestamp"), "2025-11-26T13:08:01.123456789Z");
	assert_null(at(j, "event.duration"));
	assert_string_equal(str_at(j, "event.outcome"), "failure");
	assert_string_equal(str_at(j, "dns.type"), "query");
	assert_null(at(j, "dns.response_code"));
	assert_null(at(j, "dns.answers"));
	assert_null(at(j, "dns.resolved_ip"));
	assert_null(at(j, "process"));
	assert_null(at(j, "user"));
	assert_null(at(j, "container"));
	assert_string_equal(str_at(j, "dns.question.type"), "AAAA");
	assert_string_equal(str_at(j, "dnstrail.status"), "timeout");
	assert_string_equal(json_string_value(json_array_get(at(j, "dnstrail.flags"), 0)),
			    "retransmitted");
	json_decref(j);
	assert_non_null(strstr(out.text, " AAAA www.example.test TIMEOUT [retransmitted]"));
	assert_non_null(strstr(out.text, "2025-11-26T13:08:01.123Z - udp "));
	dt_engine_free(e);
}

static void orphan_record(void **state)
{
	struct dt_engine *e = engine();
	static struct wire r;
	json_t *j;

	wire_load(&r, "nxdomain.response");
	udp(e, false, 53013, T0 + 7, &r, false);
	assert_int_equal(out.n, 1);
	j = parse(out.json);
	check_clean(j);
	assert_string_equal(str_at(j, "@timestamp"), "2025-11-26T13:08:01.123456796Z");
	assert_null(at(j, "event.duration"));
	assert_string_equal(str_at(j, "event.outcome"), "failure");
	assert_string_equal(str_at(j, "dns.type"), "answer");
	assert_string_equal(str_at(j, "dns.response_code"), "NXDOMAIN");
	assert_string_equal(str_at(j, "dns.question.name"), "nope.example.test");
	assert_string_equal(str_at(j, "dns.question.subdomain"), "nope");
	assert_string_equal(str_at(j, "source.ip"), "10.0.0.1");
	assert_int_equal(int_at(j, "source.port"), 53013);
	assert_string_equal(str_at(j, "dnstrail.status"), "orphan_response");
	assert_null(at(j, "dnstrail.query_size"));
	json_decref(j);
	assert_non_null(strstr(out.text, " A nope.example.test ORPHAN NXDOMAIN"));

	/* 60 answers: ten on the line, then the count of the rest */
	wire_load(&r, "many_tcp.response");
	udp(e, false, 53014, T0 + 8, &r, false);
	assert_int_equal(out.n, 2);
	assert_non_null(strstr(out.text, " ORPHAN NOERROR 198.51.100.1,198.51.100.2,"));
	assert_non_null(strstr(out.text, ",198.51.100.10,+50"));
	assert_int_equal(out.text[out.text_len - 1], '0');
	dt_engine_free(e);
}

static void malformed_record(void **state)
{
	struct dt_engine *e = engine();
	static struct wire q;
	json_t *j;

	wire_load(&q, "a.query");
	q.b[12] = 0xc0; /* compression pointer to itself */
	q.b[13] = 12;
	udp(e, true, 53014, T0, &q, true);
	assert_int_equal(out.n, 0); /* header readable: it waits for its response */
	dt_engine_flush(e);
	assert_int_equal(out.n, 1);
	j = parse(out.json);
	check_clean(j);
	assert_string_equal(str_at(j, "dnstrail.status"), "malformed");
	assert_string_equal(str_at(j, "event.outcome"), "failure");
	assert_true(strlen(str_at(j, "dnstrail.error")) > 0);
	assert_int_equal(int_at(j, "dns.id"), 0x1000);
	assert_int_equal(int_at(j, "process.pid"), 4242);
	json_decref(j);
	assert_non_null(strstr(out.text, " MALFORMED("));

	/* shorter than a header: no header fields at all */
	q.n = 7;
	udp(e, true, 53015, T0, &q, false);
	j = parse(out.json);
	check_clean(j);
	assert_null(at(j, "dns.id"));
	assert_null(at(j, "dns.question"));
	assert_string_equal(str_at(j, "dns.type"), "query");
	json_decref(j);
	dt_engine_free(e);
}

/* Every recorded response: names and rdata survive JSON escaping exactly. */
static void every_recorded_response_roundtrips(void **state)
{
	DIR *d = opendir(DT_WIRE_DIR);
	struct dirent *de;
	unsigned files = 0;
	static struct wire r;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char name[256];
		struct dt_engine *e;
		json_t *j, *a;

		if (n < 13 || strcmp(de->d_name + n - 13, ".response.bin"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), de->d_name);
		wire_load(&r, name);
		e = engine();
		udp(e, false, 1000, T0, &r, false);
		assert_int_equal(out.n, 1);
		j = parse(out.json);
		check_clean(j);
		if (out.qname[0])
			assert_string_equal(str_at(j, "dns.question.name"), out.qname);
		a = at(j, "dns.answers");
		assert_int_equal(json_array_size(a), out.n_answer);
		for (unsigned i = 0; i < out.n_answer; i++)
			assert_string_equal(str_at(json_array_get(a, i), "data"),
					    out.answer_data[i]);
		json_decref(j);
		dt_engine_free(e);
		files++;
	}
	closedir(d);
	assert_true(files >= 10);
}

static void specific_presentations(void **state)
{
	static const struct {
		const char *file, *type, *data;
	} cases[] = {
		{ "mx.response", "MX", "10 mail.example.test" },
		{ "srv.response", "SRV", "10 60 5060 sip.example.test" },
		{ "aaaa.response", "AAAA", "2001:db8::1" },
		{ "unknown_type.response", "TYPE65280", NULL },
	};
	static struct wire r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dt_engine *e = engine();
		json_t *j, *a;

		wire_load(&r, cases[i].file);
		udp(e, false, 1000, T0, &r, false);
		j = parse(out.json);
		a = json_array_get(at(j, "dns.answers"), 0);
		assert_non_null(a);
		assert_string_equal(str_at(a, "type"), cases[i].type);
		if (cases[i].data)
			assert_string_equal(str_at(a, "data"), cases[i].data);
		if (!strcmp(cases[i].type, "AAAA"))
			assert_string_equal(json_string_value(json_array_get(
						    at(j, "dns.resolved_ip"), 0)),
					    "2001:db8::1");
		else
			assert_null(at(j, "dns.resolved_ip"));
		json_decref(j);
		dt_engine_free(e);
	}
}

/* A query for a dotted name, built by hand. */
static void make_query(struct wire *w, const char *name, uint16_t id)
{
	static const uint8_t hdr[12] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = 12;

	memcpy(w->b, hdr, sizeof(hdr));
	wire_set_id(w, id);
	while (*name) {
		size_t l = strcspn(name, ".");

		w->b[n++] = (uint8_t)l;
		memcpy(w->b + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	w->b[n++] = 0;
	memcpy(w->b + n, "\0\1\0\1", 4); /* A IN */
	w->n = n + 4;
}

static void registered_domain_parts(void **state)
{
	static const struct {
		const char *name, *rd, *sub, *tld;
	} cases[] = {
		{ "www.example.co.uk", "example.co.uk", "www", "co.uk" },
		{ "example.com", "example.com", NULL, "com" },
		{ "a.b.WWW.Example.COM", NULL, "a.b.WWW", "com" },
		{ "com", NULL, NULL, NULL },
		{ "", NULL, NULL, NULL },
	};
	static struct wire q;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dt_engine *e = engine();
		json_t *j, *qj;

		/* twice: the second answer comes from the per-thread cache */
		for (int round = 0; round < 2; round++) {
			make_query(&q, cases[i].name, (uint16_t)(i * 2 + round));
			udp(e, true, 1000, T0, &q, false);
			dt_engine_flush(e);
			j = parse(out.json);
			qj = at(j, "dns.question");
			assert_string_equal(str_at(qj, "name"), cases[i].name[0] ? cases[i].name : ".");
			if (cases[i].rd)
				assert_string_equal(str_at(qj, "registered_domain"), cases[i].rd);
			else if (!cases[i].tld)
				assert_null(at(qj, "registered_domain"));
			if (cases[i].sub)
				assert_string_equal(str_at(qj, "subdomain"), cases[i].sub);
			else
				assert_null(at(qj, "subdomain"));
			if (cases[i].tld)
				assert_string_equal(str_at(qj, "top_level_domain"), cases[i].tld);
			else
				assert_null(at(qj, "top_level_domain"));
			json_decref(j);
		}
		dt_engine_free(e);
	}
}

/* A record built by hand, for the strings the decoder never produces. */
static void fill_manual(struct dt_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->status = DT_STATUS_TIMEOUT;
	rec->query_ts_ns = T0;
	rec->family = 6;
	inet_pton(AF_INET6, "2001:db8::1", rec->src_ip);
	inet_pton(AF_INET6, "::1", rec->dst_ip);
	rec->src_port = 5353;
	rec->dst_port = 53;
	rec->transport = DT_TRANSPORT_TCP;
	rec->has_process = true;
	rec->process.pid = 1;
	memcpy(rec->process.name, "a\"b\\c\n\x01\x7f", 9);
	strcpy(rec->process.exe, "/x/caf\xc3\xa9/\xff\xfe/\xe2\x82/\xed\xa0\x80/\xf0\x9f\x98\x80");
	rec->tag = "t\tab";
	rec->host_name = "h\xc3";
}

/* Many names through the name cache (evictions and hits), in mixed case,
 * with a final dot, and longer than the cache keeps: each line has what
 * the uncached lookup gives. Returns the number of names checked. */
static unsigned check_names(void)
{
	static const char *const zones[] = {
		"bench.test", "Example.CO.UK", "example.com.", "city.kawasaki.jp", "a.b.c.kawasaki.jp",
		"com",	      "a-rather-long-label-for-the-cache.example.org",
	};
	static __thread struct dns_msg q;
	static __thread char json[DT_ECS_JSON_MAX];
	struct dt_record rec;
	char name[128], rd[DNS_NAME_MAX], want[512];
	unsigned n = 0;

	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 700; i++) {
			const char *zone = zones[i % 7];
			size_t nlen, rlen;

			snprintf(name, sizeof(name), "%s%u.%s", i & 1 ? "H" : "h", i % 350, zone);
			memset(&q, 0, sizeof(q));
			q.has_question = true;
			q.qname = name;
			q.qtype = 1;
			q.qclass = 1;
			fill_manual(&rec);
			rec.query = &q;
			rec.query_wire_len = 40;
			if (dt_ecs_json(&rec, json, sizeof(json)) <= 0)
				fail_msg("%s: no line", name);
			n++;
			if (dns_registered_domain(name, rd, sizeof(rd)) != 0 || !rd[0]) {
				if (strstr(json, "registered_domain"))
					fail_msg("%s: none wanted in %s", name, json);
				continue;
			}
			nlen = strlen(name);
			rlen = strlen(rd);
			if (nlen > rlen + 1 && name[nlen - rlen - 1] == '.')
				snprintf(want, sizeof(want),
					 "\"registered_domain\":\"%.100s\",\"subdomain\":\"%.*s\"", rd,
					 (int)(nlen - rlen - 1), name);
			else
				snprintf(want, sizeof(want), "\"registered_domain\":\"%.100s\",\"top",
					 rd);
			if (!strstr(json, want))
				fail_msg("%s: want %s in %s", name, want, json);
		}
	}
	return n;
}

static void registered_domain_cache(void **state)
{
	(void)state;
	assert_int_equal(check_names(), 2100);
}

static void *check_names_thread(void *arg)
{
	(void)arg;
	return check_names() == 2100 ? NULL : (void *)1;
}

/* Threads that start formatting after dt_ecs_json_name_cache() get that
 * many entries: tiny (every name collides) and large give the same lines. */
static void registered_domain_cache_sizes(void **state)
{
	static const size_t sizes[] = { 16, 17, 4096 };

	(void)state;
	assert_int_equal(dt_ecs_json_name_cache(0), -EINVAL);
	assert_int_equal(dt_ecs_json_name_cache(15), -EINVAL);
	assert_int_equal(dt_ecs_json_name_cache(DT_ECS_JSON_NAME_CACHE_MAX + 1), -EINVAL);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pthread_t t;
		void *ret = (void *)1;

		assert_int_equal(dt_ecs_json_name_cache(sizes[i]), 0);
		assert_int_equal(pthread_create(&t, NULL, check_names_thread, NULL), 0);
		pthread_join(t, &ret);
		assert_null(ret);
	}
	assert_int_equal(dt_ecs_json_name_cache(256), 0);
}

/* Formatted the way a thread that formatted nothing before would. */
struct fresh_job {
	const struct dt_record *rec;
	char *json;
	int n;
};

static void *fresh_thread(void *arg)
{
	struct fresh_job *j = arg;

	j->n = dt_ecs_json(j->rec, j->json, DT_ECS_JSON_MAX);
	return NULL;
}

static void expect_as_fresh(const struct dt_record *rec)
{
	static char want[DT_ECS_JSON_MAX];
	struct fresh_job j = { rec, want, -1 };
	pthread_t t;
	int n = dt_ecs_json(rec, out.json, sizeof(out.json));

	assert_int_equal(pthread_create(&t, NULL, fresh_thread, &j), 0);
	pthread_join(t, NULL);
	assert_true(n > 0);
	assert_int_equal(n, j.n);
	assert_string_equal(out.json, want);
}

/* The last process and addresses are kept formatted (per thread): every
 * field they show, changed alone, changes the line; bytes past a NUL do not. */
static void process_and_address_memo(void **state)
{
	struct dt_record rec, other;
	json_t *j;

	(void)state;
	fill_manual(&rec);
	strcpy(rec.process.name, "dnsperf");
	strcpy(rec.process.thread_name, "worker");
	rec.process.ppid = 9;
	expect_as_fresh(&rec);
	expect_as_fresh(&rec);
	other = rec;
	other.process.name[9] = 'x'; /* past the NUL: same line */
	expect_as_fresh(&other);
	for (int f = 0; f < 11; f++) {
		other = rec;
		switch (f) {
		case 0: other.process.pid++; break;
		case 1: other.process.tid = 77; break;
		case 2: other.process.ppid = 0; break;
		case 3: other.process.uid = 1000; break;
		case 4: other.process.gid = 1001; break;
		case 5: other.process.name[0] = 'D'; break;
		case 6: strcpy(other.process.thread_name, "w2"); break;
		case 7: strcpy(other.process.exe, "/usr/bin/dig"); break;
		case 8: strcat(other.process.exe, "x"); break; /* longer */
		case 9: other.process.exe[strlen(other.process.exe) - 1] = '\0'; break;
		case 10: memset(other.process.exe, 'e', sizeof(other.process.exe)); break;
		}
		expect_as_fresh(&other);
		expect_as_fresh(&other);
		expect_as_fresh(&rec);
	}
	other = rec;
	other.process.uid = 1000;
	assert_true(dt_ecs_json(&other, out.json, sizeof(out.json)) > 0);
	j = parse(out.json);
	assert_string_equal(str_at(j, "user.id"), "1000");
	json_decref(j);

	/* addresses: same bytes in another family, ends swapped, all zero */
	rec.family = 4;
	memcpy(rec.src_ip, "\x0a\x00\x00\x01", 4);
	memcpy(rec.dst_ip, "\x0a\x00\x00\x02", 4);
	expect_as_fresh(&rec);
	j = parse(out.json);
	assert_string_equal(str_at(j, "source.ip"), "10.0.0.1");
	assert_string_equal(str_at(j, "destination.ip"), "10.0.0.2");
	json_decref(j);
	rec.family = 6;
	memset(rec.src_ip + 4, 0, 12);
	memset(rec.dst_ip + 4, 0, 12);
	expect_as_fresh(&rec);
	j = parse(out.json);
	assert_string_equal(str_at(j, "source.ip"), "a00:1::");
	json_decref(j);
	other = rec;
	memcpy(other.src_ip, rec.dst_ip, 16);
	memcpy(other.dst_ip, rec.src_ip, 16);
	expect_as_fresh(&other);
	memset(other.src_ip, 0, 16);
	expect_as_fresh(&other);
	j = parse(out.json);
	assert_string_equal(str_at(j, "source.ip"), "::");
	json_decref(j);
}

static void escaping(void **state)
{
	struct dt_record rec;
	json_t *j;
	char text[512];

	fill_manual(&rec);
	assert_true(dt_ecs_json(&rec, out.json, sizeof(out.json)) > 0);
	j = parse(out.json);
	check_clean(j);
	assert_string_equal(str_at(j, "process.name"), "a\"b\\c\n\x01\x7f");
	/* é and the emoji kept; lone/overlong/surrogate bytes replaced */
	assert_string_equal(str_at(j, "process.executable"),
			    "/x/caf\xc3\xa9/\xef\xbf\xbd\xef\xbf\xbd/\xef\xbf\xbd\xef\xbf\xbd/"
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/\xf0\x9f\x98\x80");
	assert_string_equal(str_at(j, "dnstrail.tag"), "t\tab");
	assert_string_equal(str_at(j, "host.name"), "h\xef\xbf\xbd");
	assert_string_equal(str_at(j, "source.ip"), "2001:db8::1");
	assert_string_equal(str_at(j, "destination.ip"), "::1");
	assert_string_equal(str_at(j, "network.type"), "ipv6");
	assert_string_equal(str_at(j, "network.transport"), "tcp");
	assert_string_equal(str_at(j, "network.iana_number"), "6");
	assert_null(at(j, "dns.id")); /* no message at all */
	json_decref(j);

	assert_true(dt_text_format(&rec, text, sizeof(text)) > 0);
	assert_null(strchr(text, '\n'));
	assert_non_null(strstr(text, " tcp [2001:db8::1]:5353 -> [::1]:53 - - TIMEOUT"));
}

/* An independent escaper: what a JSON string of these bytes must be
 * (RFC 8259 escapes; UTF-8 per RFC 3629, anything else U+FFFD per byte). */
static size_t ref_utf8(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	if (c == 0xed)
		hi = 0x9f;
	if (c == 0xf0)
		lo = 0x90;
	if (c == 0xf4)
		hi = 0x8f;
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void ref_escape(const char *in, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in);

	*out++ = '"';
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;

		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			*out++ = '\\';
			*out++ = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20) {
			out += sprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			*out++ = (char)c;
		} else if ((n = ref_utf8(s + i, len - i))) {
			memcpy(out, s + i, n);
			out += n;
			i += n;
			continue;
		} else {
			out += sprintf(out, "\\ufffd");
		}
		i++;
	}
	*out++ = '"';
	*out = '\0';
}

/* host.name must come out exactly as the reference escaper says. */
static void expect_escaped(const char *name)
{
	static char want[6 * 8192 + 64], esc[6 * 8192 + 8];
	struct dt_record rec;

	fill_manual(&rec);
	rec.host_name = name;
	ref_escape(name, esc);
	snprintf(want, sizeof(want), ",\"host\":{\"name\":%s},", esc);
	assert_true(dt_ecs_json(&rec, out.json, sizeof(out.json)) > 0);
	if (!strstr(out.json, want))
		fail_msg("escaping of '%s': want %s in %s", name, want, out.json);
}

static void escaping_exact(void **state)
{
	static const char *const seqs[] = {
		"\xc3\xa9",	  "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3",	"\xe2\x82",
		"\xf0\x9f\x98", "\xc0\xaf",	 "\xe0\x80\xaf",	 "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\x80",	 "\x7f",	 "\"",
		"\\",		  "\n",	 "\x01",	 "\x1f",	 " ",
		"\xef\xbf\xbf",  "\xf4\x8f\xbf\xbf", "\xc2\x80",	 "\xdf\xbf",	 "\xe1\x80",
	};
	static char big[8192];
	char s[64];

	(void)state;
	/* every byte alone, and inside runs that straddle 8-byte blocks */
	for (int c = 1; c < 256; c++) {
		for (int pre = 0; pre < 17; pre += 4) {
			memset(s, 'a', (size_t)pre);
			s[pre] = (char)c;
			memcpy(s + pre + 1, "bcdefghijk", 11);
			expect_escaped(s);
		}
	}
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		for (int pre = 0; pre < 10; pre++) {
			memset(s, 'x', (size_t)pre);
			snprintf(s + pre, sizeof(s) - (size_t)pre, "%s", seqs[i]);
			expect_escaped(s); /* at the end: cut sequences stay cut */
			snprintf(s + pre, sizeof(s) - (size_t)pre, "%sYZ.example.com", seqs[i]);
			expect_escaped(s);
		}
	}
	/* long: plain, then with a special byte at a few places */
	memset(big, 'q', sizeof(big) - 1);
	expect_escaped(big);
	for (size_t at = 0; at < sizeof(big) - 1; at += 997) {
		big[at] = '"';
		big[sizeof(big) - 2 - at / 2] = '\x02';
		expect_escaped(big);
	}
}

/* Near the end of the buffer the per-piece bounded path takes over: the
 * line is the same, or -ENOSPC with nothing written past size. */
static void escaping_near_full(void **state)
{
	static char buf[DT_ECS_JSON_MAX], full[DT_ECS_JSON_MAX];
	static char name[3000];
	struct dt_record rec;
	int len;

	(void)state;
	for (size_t i = 0; i < sizeof(name) - 1; i++)
		name[i] = "ab\"\\\x01\xc3\xa9z\xff.12345678"[i % 17];
	fill_manual(&rec);
	rec.host_name = name;
	len = dt_ecs_json(&rec, full, sizeof(full));
	assert_true(len > 3000);
	for (size_t size = (size_t)len - 2 * sizeof(name); size <= (size_t)len + 6 * sizeof(name);
	     size++) {
		int n;

		memset(buf, 'X', size + 1);
		n = dt_ecs_json(&rec, buf, size);
		if (size <= (size_t)len) {
			assert_int_equal(n, -ENOSPC);
			assert_int_equal(buf[size], 'X');
		} else {
			assert_int_equal(n, len);
			assert_memory_equal(buf, full, (size_t)len + 1);
		}
	}
}

/* The formatter quotes mnemonics without escaping them: they must be safe. */
static void mnemonics_need_no_escape(void **state)
{
	char tmp[16];

	(void)state;
	for (unsigned v = 0; v < 65536; v++) {
		for (int kind = 0; kind < 4; kind++) {
			const char *m = kind == 0   ? dns_type_str((uint16_t)v, tmp)
					: kind == 1 ? dns_class_str((uint16_t)v, tmp)
					: kind == 2 ? dns_rcode_str((uint16_t)v, tmp)
						    : dns_opcode_str((uint8_t)v, tmp);

			for (const char *c = m; *c; c++)
				if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
					fail_msg("value %u kind %d: '%s'", v, kind, m);
		}
	}
	for (int st = 0; st < 8; st++)
		for (const char *c = dt_status_str((enum dt_status)st); *c; c++)
			assert_true(*c > 0x20 && *c < 0x7f && *c != '"' && *c != '\\');
}

/* The quoted mnemonics kept in tables are the dns_*_str() ones, at the
 * tables' edges and past them: type, class (question and answer), rcode,
 * opcode of one record per value. */
static void mnemonics_as_dns_str(void **state)
{
	static const unsigned vals[] = {
		0, 1, 2, 5, 15, 16, 28, 31, 32, 33, 64, 65, 99, 249, 250, 252, 254, 255, 256, 257,
		4000, 32768, 32769, 65280, 65535,
	};
	static struct dns_msg q, r;
	struct dns_rr rr;
	struct dt_record rec;
	char tmp[16], want[64];
	json_t *j;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned v = vals[i];

		memset(&q, 0, sizeof(q));
		memset(&rr, 0, sizeof(rr));
		q.has_question = true;
		q.qname = "x.example";
		q.qtype = (uint16_t)v;
		q.qclass = (uint16_t)(v ^ 1);
		r = q;
		r.rcode = (uint16_t)v;
		r.opcode = (uint8_t)(v & 15);
		rr.section = DNS_SECTION_ANSWER;
		rr.name = "x.example";
		rr.type = (uint16_t)v;
		rr.rclass = (uint16_t)v;
		r.rr[0] = rr;
		r.n_rr = 1;
		fill_manual(&rec);
		rec.status = DT_STATUS_OK;
		rec.query = &q;
		rec.response = &r;
		rec.query_wire_len = rec.response_wire_len = 40;
		assert_true(dt_ecs_json(&rec, out.json, sizeof(out.json)) > 0);
		j = parse(out.json);
		assert_string_equal(str_at(j, "dns.question.type"), dns_type_str((uint16_t)v, tmp));
		assert_string_equal(str_at(j, "dns.question.class"),
				    dns_class_str((uint16_t)(v ^ 1), tmp));
		assert_string_equal(str_at(j, "dns.response_code"),
				    dns_rcode_str((uint16_t)v, tmp));
		assert_string_equal(str_at(j, "dns.op_code"),
				    dns_opcode_str((uint8_t)(v & 15), tmp));
		json_decref(j);
		snprintf(want, sizeof(want), "\"type\":\"%s\",", dns_type_str((uint16_t)v, tmp));
		assert_non_null(strstr(strstr(out.json, "\"answers\":[{"), want));
		snprintf(want, sizeof(want), "\"class\":\"%s\",", dns_class_str((uint16_t)v, tmp));
		assert_non_null(strstr(strstr(out.json, "\"answers\":[{"), want));
	}
}

/* dns.header_flags (kept for every combination in a table): each of AA TC
 * RD RA AD CD DO exactly when its bit is set, in that order; QR, Z, the
 * opcode and rcode bits never show. */
static void header_flags_every_combination(void **state)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = { { DNS_FLAG_AA, "AA" }, { DNS_FLAG_TC, "TC" }, { DNS_FLAG_RD, "RD" },
		      { DNS_FLAG_RA, "RA" }, { DNS_FLAG_AD, "AD" }, { DNS_FLAG_CD, "CD" } };
	static struct dns_msg r;
	struct dt_record rec;

	(void)state;
	for (unsigned i = 0; i < 512; i++) {
		/* bits 4..10 from i; with i & 0x100 also QR, opcode and rcode bits */
		uint16_t noise = i & 0x100 ? 0x8000 | 0x7800 | 0xf : 0;
		uint16_t flags = (uint16_t)((i & 0x7f) << 4 | noise);
		bool dnssec_ok = i & 0x80;
		json_t *j, *a;
		size_t k = 0;

		memset(&r, 0, sizeof(r));
		r.flags = flags;
		r.edns.present = dnssec_ok || (i & 1);
		r.edns.dnssec_ok = dnssec_ok;
		r.edns.ede_code = -1;
		fill_manual(&rec);
		rec.status = DT_STATUS_OK;
		rec.response = &r;
		rec.response_wire_len = 40;
		assert_true(dt_ecs_json(&rec, out.json, sizeof(out.json)) > 0);
		j = parse(out.json);
		a = at(j, "dns.header_flags");
		assert_true(json_is_array(a));
		for (size_t b = 0; b < sizeof(names) / sizeof(names[0]); b++) {
			if (!(flags & names[b].bit))
				continue;
			assert_string_equal(json_string_value(json_array_get(a, k)), names[b].name);
			k++;
		}
		if (dnssec_ok)
			assert_string_equal(json_string_value(json_array_get(a, k++)), "DO");
		assert_int_equal(json_array_size(a), k);
		json_decref(j);
	}
}

/* resolved_ip repeats answers[].data of the address records, the first ones
 * copied from the line: the same strings, escapes and all, in order, past
 * the copied ones too; netns kept formatted changes with the record. */
static void resolved_ip_and_netns(void **state)
{
	static struct dns_msg r;
	static char data[DNS_MAX_RR][32];
	struct dt_record rec;
	unsigned n = DNS_MAX_RR < 40 ? DNS_MAX_RR : 40, k = 0;
	json_t *j, *ans, *ips;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < n; i++) {
		struct dns_rr *rr = &r.rr[i];

		snprintf(data[i], sizeof(data[i]), i % 5 == 1 ? "10.0.\"%u\\" : "10.0.0.%u", i);
		rr->section = DNS_SECTION_ANSWER;
		rr->name = "x.example";
		rr->type = i % 7 == 3 ? 5 : (i % 2 ? 28 : 1); /* some CNAMEs between */
		rr->rclass = 1;
		rr->data = data[i];
	}
	r.n_rr = (uint16_t)n;
	fill_manual(&rec);
	rec.status = DT_STATUS_OK;
	rec.response = &r;
	rec.response_wire_len = 40;
	expect_as_fresh(&rec);
	j = parse(out.json);
	ans = at(j, "dns.answers");
	ips = at(j, "dns.resolved_ip");
	assert_int_equal(json_array_size(ans), n);
	for (unsigned i = 0; i < n; i++) {
		if (r.rr[i].type == 5)
			continue;
		assert_string_equal(json_string_value(json_array_get(ips, k)), data[i]);
		k++;
	}
	assert_true(k > 16);
	assert_int_equal(json_array_size(ips), k);
	json_decref(j);

	rec.netns = 4026531840u;
	expect_as_fresh(&rec);
	rec.netns = 4026531841u;
	expect_as_fresh(&rec);
	rec.netns = 7;
	expect_as_fresh(&rec);
	j = parse(out.json);
	assert_int_equal(int_at(j, "dnstrail.netns"), 7);
	json_decref(j);
}

static void no_space(void **state)
{
	static char buf[DT_ECS_JSON_MAX];
	struct dt_record rec;
	int len;

	fill_manual(&rec);
	len = dt_ecs_json(&rec, buf, sizeof(buf));
	assert_true(len > 100);
	for (size_t size = 0; size <= (size_t)len; size++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(dt_ecs_json(&rec, buf, size), -ENOSPC);
		assert_int_equal(buf[size], 'X'); /* nothing written past size */
	}
	assert_int_equal(dt_ecs_json(&rec, buf, len + 1), len);
	assert_int_equal(buf[len], '\0');

	len = dt_text_format(&rec, buf, sizeof(buf));
	assert_true(len > 20);
	for (size_t size = 0; size <= (size_t)len; size++)
		assert_true(dt_text_format(&rec, buf, size) < 0);
	assert_int_equal(dt_text_format(&rec, buf, len + 1), len);
}

static void time_format(void **state)
{
	static const struct {
		uint64_t ns;
		unsigned digits;
		const char *want;
	} cases[] = {
		{ 0, 9, "1970-01-01T00:00:00.000000000Z" },
		{ 951782400ull * SEC + 1, 9, "2000-02-29T00:00:00.000000001Z" },
		{ 4102444799ull * SEC + 999999999, 3, "2099-12-31T23:59:59.999Z" },
		{ 1709164800ull * SEC, 0, "2024-02-29T00:00:00Z" },
		{ T0, 6, "2025-11-26T13:08:01.123456Z" },
	};
	char buf[DT_FMT_TIME_MAX], want[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = dt_fmt_time(cases[i].ns, cases[i].digits, buf);

		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	/* and against gmtime_r over a spread of days */
	for (uint64_t s = 0; s < 4102444800ull; s += 86400 * 37 + 3601) {
		time_t t = (time_t)s;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		dt_fmt_time(s * SEC, 0, buf);
		assert_string_equal(buf, want);
	}
}

static void stats_line(void **state)
{
	char buf[2048], small[16];
	json_t *j, *s;
	int n;

	memset(&dt_stats, 0, sizeof(dt_stats));
	dt_stats.packets_captured = 12345678901ull;
	dt_stats.kernel_drops = 3;
	dt_stats_add(&dt_stats.output_drops, 2);
	n = dt_stats_json(&dt_stats, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	j = parse(buf);
	s = json_object_get(j, "dnstrail_stats");
	assert_true(json_is_object(s));
	assert_int_equal(json_object_size(j), 1);
	assert_int_equal(int_at(s, "packets_captured"), 12345678901ll);
	assert_int_equal(int_at(s, "kernel_drops"), 3);
	assert_int_equal(int_at(s, "output_drops"), 2);
	static const char *required[] = { "packets_captured", "messages_decoded", "malformed",
					  "transactions",     "timeouts",	"kernel_drops",
					  "events_published", "output_drops" };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		assert_true(json_is_integer(json_object_get(s, required[i])));
	assert_int_equal(json_object_size(s), dt_stat_count);
	json_decref(j);
	assert_int_equal(dt_stats_json(&dt_stats, small, sizeof(small)), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_record_every_field),
		cmocka_unit_test(timeout_record),
		cmocka_unit_test(orphan_record),
		cmocka_unit_test(malformed_record),
		cmocka_unit_test(every_recorded_response_roundtrips),
		cmocka_unit_test(specific_presentations),
		cmocka_unit_test(registered_domain_parts),
		cmocka_unit_test(registered_domain_cache),
		cmocka_unit_test(registered_domain_cache_sizes),
		cmocka_unit_test(process_and_address_memo),
		cmocka_unit_test(escaping),
		cmocka_unit_test(escaping_exact),
		cmocka_unit_test(escaping_near_full),
		cmocka_unit_test(mnemonics_need_no_escape),
		cmocka_unit_test(mnemonics_as_dns_str),
		cmocka_unit_test(header_flags_every_combination),
		cmocka_unit_test(resolved_ip_and_netns),
		cmocka_unit_test(no_space),
		cmocka_unit_test(time_format),
		cmocka_unit_test(stats_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
