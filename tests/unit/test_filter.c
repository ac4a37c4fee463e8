// SPDX-License-Identifier: MIT
/* Filters on hand-built records, configured through their option tables as from YAML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/config.h"
#include "pipeline/model.h"
#include "pipeline/options.h"
#include "pipeline/pipeline.h"
#include "pipeline/registry.h"

struct inst {
	const struct dt_filter_plugin *p;
	void *ctx;
};

static int make(const char *plugin, const char *yaml, struct inst *f, char *msg)
{
	struct dt_errbuf err = {0};
	struct dt_node *root;
	int rc;

	f->p = dt_registry_filter(plugin);
	assert_non_null(f->p);
	f->ctx = calloc(1, f->p->ctx_size);
	assert_int_equal(dt_node_parse(yaml, strlen(yaml), "test", &root, &err), 0);
	rc = dt_options_apply(f->p->options, f->ctx, root, NULL, "test", &err);
	dt_node_free(root);
	if (rc == 0 && f->p->init)
		rc = f->p->init(f->ctx, &err);
	if (msg)
		strcpy(msg, err.msg);
	if (rc) {
		dt_options_free(f->p->options, f->ctx);
		free(f->ctx);
	}
	return rc;
}

static void make_ok(const char *plugin, const char *yaml, struct inst *f)
{
	char msg[512] = "";

	if (make(plugin, yaml, f, msg))
		fail_msg("%s: %s", plugin, msg);
}

static void destroy(struct inst *f)
{
	if (f->p->exit)
		f->p->exit(f->ctx);
	dt_options_free(f->p->options, f->ctx);
	free(f->ctx);
}

static struct dns_msg q, r; /* large: static */

static struct dt_record rec_q(const char *qname, uint16_t qtype)
{
	struct dt_record rec = {
	    .status = DT_STATUS_TIMEOUT, .query_ts_ns = 1000000000ull, .tag = "dns"};

	memset(&q, 0, sizeof(q));
	q.has_question = true;
	q.qname = qname;
	q.qtype = qtype;
	q.qclass = 1;
	rec.query = &q;
	return rec;
}

static struct dt_record rec_qr(const char *qname, uint16_t qtype, uint16_t rcode)
{
	struct dt_record rec = rec_q(qname, qtype);

	memset(&r, 0, sizeof(r));
	r = q;
	r.rcode = rcode;
	r.flags = 0x8000;
	rec.response = &r;
	rec.response_ts_ns = rec.query_ts_ns + 1000;
	rec.status = DT_STATUS_OK;
	return rec;
}

static bool keeps(struct inst *f, const struct dt_record *rec)
{
	return f->p->filter(f->ctx, rec) == DT_FILTER_KEEP;
}

static void test_domain(void **state)
{
	char path[64];
	struct inst f;
	struct dt_record rec;

	make_ok("domain", "exclude: [example.com, '*.Tracker.NET.', ads]", &f);
	rec = rec_q("example.com", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("WWW.Example.Com", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("a.b.c.example.com.", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("badexample.com", 1); /* whole labels only */
	assert_true(keeps(&f, &rec));
	rec = rec_q("example.com.evil.org", 1);
	assert_true(keeps(&f, &rec));
	rec = rec_q("x.tracker.net", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("tracker.net", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("foo.ads", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("", 1); /* the root */
	assert_true(keeps(&f, &rec));
	rec = (struct dt_record){.status = DT_STATUS_MALFORMED}; /* no question */
	assert_true(keeps(&f, &rec));
	destroy(&f);

	make_ok("domain", "include: [corp.internal]\nexclude: [test.corp.internal]", &f);
	rec = rec_q("db.corp.internal", 1);
	assert_true(keeps(&f, &rec));
	rec = rec_q("x.test.corp.internal", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("www.example.com", 1);
	assert_false(keeps(&f, &rec));
	rec = (struct dt_record){.status = DT_STATUS_MALFORMED};
	assert_false(keeps(&f, &rec));
	destroy(&f);

	char msg[512], yaml[256];
	FILE *fp;

	/* blocklist file: comments, blank lines, hosts-file lines */
	snprintf(path, sizeof(path), "/tmp/dt_test_block_%d.txt", (int)getpid());
	fp = fopen(path, "w");
	fputs("# blocklist\n\nads.example\n0.0.0.0 tracker.example # hosts style\n  spaced.example "
	      " \n",
	      fp);
	fclose(fp);
	snprintf(yaml, sizeof(yaml), "exclude_file: %s", path);
	make_ok("domain", yaml, &f);
	rec = rec_q("x.ads.example", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("tracker.example", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("a.spaced.example", 1);
	assert_false(keeps(&f, &rec));
	rec = rec_q("0.0.0.0", 1); /* the hosts-file address is not an entry */
	assert_true(keeps(&f, &rec));
	rec = rec_q("example", 1);
	assert_true(keeps(&f, &rec));
	destroy(&f);
	unlink(path);
	assert_int_not_equal(make("domain", "exclude_file: /nonexistent/list", &f, msg), 0);
	assert_non_null(strstr(msg, "cannot open /nonexistent/list"));

	assert_int_not_equal(make("domain", "{}", &f, msg), 0);
	assert_non_null(strstr(msg, "include or an exclude"));
	assert_int_not_equal(make("domain", "exclude: ['.']", &f, msg), 0);
}

/* Build time and cost per record for a list of n suffixes, printed for the report. */
static void domain_bench(size_t n)
{
	size_t len = 0, cap = n * 32 + 64;
	char *yaml = malloc(cap);
	struct inst f;
	struct dt_record rec;
	struct timespec t0, t1, t2;
	size_t dropped = 0;
	const int lookups = 300000;
	static char names[1000][64];

	len += (size_t)snprintf(yaml + len, cap - len, "exclude:\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "- blocked%zu.example%zu.com\n", i,
					i % 97);
	for (int i = 0; i < 1000; i++) { /* half under a blocked name, half not; 5 labels */
		size_t k = (size_t)i * 37 % n;

		snprintf(names[i], sizeof(names[i]), "a.b.%s%zu.example%zu.com",
			 i & 1 ? "blocked" : "allowed", k, k % 97);
	}
	rec = rec_q("", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	make_ok("domain", yaml, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < lookups; i++) {
		q.qname = names[i % 1000];
		dropped += !keeps(&f, &rec);
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	assert_int_equal(dropped, lookups / 2);
	print_message("domain filter: %zu suffixes loaded (YAML parse + set) in %.1f ms; "
		      "%.0f ns per record (5-label names, half matching)\n",
		      n, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
		      ((t2.tv_sec - t1.tv_sec) * 1e9 + (t2.tv_nsec - t1.tv_nsec)) / lookups);
	destroy(&f);
	free(yaml);
}

static void test_domain_large(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	/* sanitizers multiply time and memory: correctness only, at a smaller size */
	domain_bench(100);
	domain_bench(20000);
#else
	domain_bench(100);
	domain_bench(100000);
	domain_bench(300000);
#endif
}

static void test_query(void **state)
{
	struct inst f;
	struct dt_record rec;
	char msg[512];

	make_ok("query", "qtype: [A, AAAA]", &f);
	rec = rec_q("x.com", 1);
	assert_true(keeps(&f, &rec));
	rec = rec_q("x.com", 16);
	assert_false(keeps(&f, &rec));
	destroy(&f);

	make_ok("query", "rcode: [NXDOMAIN, TIMEOUT]", &f);
	rec = rec_qr("x.com", 1, 3);
	assert_true(keeps(&f, &rec));
	rec = rec_qr("x.com", 1, 0);
	assert_false(keeps(&f, &rec));
	rec = rec_q("x.com", 1); /* timeout */
	assert_true(keeps(&f, &rec));
	destroy(&f);

	make_ok("query", "status: timeout\nqtype: TXT\nexclude: true", &f);
	rec = rec_q("x.com", 16); /* TXT timeout: matches both -> dropped */
	assert_false(keeps(&f, &rec));
	rec = rec_q("x.com", 1);
	assert_true(keeps(&f, &rec));
	rec = rec_qr("x.com", 16, 0);
	assert_true(keeps(&f, &rec));
	destroy(&f);

	assert_int_not_equal(make("query", "qtype: [BOGUS]", &f, msg), 0);
	assert_non_null(strstr(msg, "BOGUS"));
	assert_int_not_equal(make("query", "status: [fine]", &f, msg), 0);
	assert_int_not_equal(make("query", "exclude: true", &f, msg), 0);
}

static struct dt_record rec_proc(const char *name, const char *exe, uint32_t uid, const char *cid)
{
	struct dt_record rec = rec_q("x.com", 1);

	rec.has_process = true;
	snprintf(rec.process.name, sizeof(rec.process.name), "%s", name);
	snprintf(rec.process.thread_name, sizeof(rec.process.thread_name), "%s-t", name);
	snprintf(rec.process.exe, sizeof(rec.process.exe), "%s", exe);
	snprintf(rec.process.container_id, sizeof(rec.process.container_id), "%s", cid);
	rec.process.uid = uid;
	rec.process.pid = 100;
	return rec;
}

static void test_process(void **state)
{
	struct inst f;
	struct dt_record rec;

	make_ok("process", "comm: [curl, 'py*']\nuid: [0, 1000]", &f);
	rec = rec_proc("curl", "/usr/bin/curl", 1000, "");
	assert_true(keeps(&f, &rec));
	rec = rec_proc("python3", "/usr/bin/python3", 0, "");
	assert_true(keeps(&f, &rec));
	rec = rec_proc("curl", "/usr/bin/curl", 33, ""); /* uid does not match */
	assert_false(keeps(&f, &rec));
	rec = rec_proc("dig", "/usr/bin/dig", 0, "");
	assert_false(keeps(&f, &rec));
	rec = rec_q("x.com", 1); /* no process */
	assert_false(keeps(&f, &rec));
	destroy(&f);

	make_ok("process", "exe: /usr/sbin/*\ncontainer_id: ['*']\nexclude: yes", &f);
	rec = rec_proc("nsd", "/usr/sbin/nsd", 0, "abcdef0123");
	assert_false(keeps(&f, &rec));
	rec = rec_proc("nsd", "/usr/sbin/nsd", 0, ""); /* not in a container */
	assert_true(keeps(&f, &rec));
	destroy(&f);

	make_ok("process", "container_id: ['abc*']", &f);
	rec = rec_proc("app", "/app", 0, "abcdef0123");
	assert_true(keeps(&f, &rec));
	rec = rec_proc("app", "/app", 0, "fedcba");
	assert_false(keeps(&f, &rec));
	destroy(&f);
}

static void test_sample(void **state)
{
	struct inst f;
	struct dt_record rec = rec_q("x.com", 1);
	int kept = 0;
	char msg[512];

	make_ok("sample", "every: 3", &f);
	for (int i = 0; i < 30; i++) {
		bool k = keeps(&f, &rec);

		assert_int_equal(k, i % 3 == 0);
		kept += k;
	}
	assert_int_equal(kept, 10);
	destroy(&f);
	assert_int_not_equal(make("sample", "every: 0", &f, msg), 0);
	assert_non_null(strstr(msg, "out of range"));
}

static void test_rate_limit(void **state)
{
	struct inst f;
	struct dt_record a = rec_proc("a", "/a", 0, ""), b;
	int kept = 0;

	make_ok("rate_limit", "rate: 10", &f);
	for (int i = 0; i < 25; i++) /* same instant: only the burst passes */
		kept += keeps(&f, &a);
	assert_int_equal(kept, 10);
	b = rec_proc("b", "/b", 0, "");
	b.process.pid = 200; /* another process has its own bucket */
	assert_true(keeps(&f, &b));
	a.query_ts_ns += 500000000ull; /* +0.5 s: 5 more tokens */
	kept = 0;
	for (int i = 0; i < 25; i++)
		kept += keeps(&f, &a);
	assert_int_equal(kept, 5);
	destroy(&f);

	make_ok("rate_limit", "rate: 2\nburst: 1\nkey: name\nmax_keys: 16", &f);
	a = rec_proc("same", "/a", 0, "");
	b = rec_proc("same", "/b", 0, "");
	b.process.pid = 999;
	assert_true(keeps(&f, &a));
	assert_false(keeps(&f, &b));	/* same name, same bucket */
	for (int i = 0; i < 100; i++) { /* more keys than max_keys: the table starts over */
		struct dt_record c = rec_proc("x", "/x", 0, "");

		snprintf(c.process.name, sizeof(c.process.name), "n%d", i);
		assert_true(keeps(&f, &c));
	}
	destroy(&f);
}

/* A pipeline from a config: filters by tag, per-filter and per-output counters. */
static void test_pipeline_route(void **state)
{
	char path[64], out[64], msg[600];
	struct dt_cli cli = {0};
	struct dt_config *cfg;
	struct dt_pipeline *pl;
	struct dt_errbuf err = {0};
	struct dt_record rec;
	FILE *f;
	char line[4096];
	int lines = 0;

	snprintf(path, sizeof(path), "/tmp/dt_test_route_%d.yaml", (int)getpid());
	snprintf(out, sizeof(out), "/tmp/dt_test_route_%d.jsonl", (int)getpid());
	unlink(out);
	f = fopen(path, "w");
	fprintf(f,
		"pipeline:\n"
		"  inputs:\n    - name: pcap\n      path: /dev/null\n"
		"  filters:\n"
		"    - name: domain\n      match: 'other*'\n      exclude: [example.com]\n"
		"    - name: query\n      match: dns\n      qtype: [A]\n"
		"  outputs:\n"
		"    - name: file\n      match: '*'\n      path: %s\n"
		"    - name: file\n      match: nothing\n      path: /dev/null\n",
		out);
	fclose(f);
	cli.config = path;
	if (dt_config_load(&cli, &cfg, &err))
		fail_msg("%s", err.msg);
	if (dt_pipeline_new(cfg, true, &pl, &err))
		fail_msg("%s", err.msg);
	dt_config_free(cfg);

	rec = rec_qr("www.example.com", 1, 0); /* tag dns: domain does not apply, A kept */
	dt_pipeline_route(pl, &rec);
	rec = rec_qr("www.example.com", 28, 0); /* AAAA: dropped by query */
	dt_pipeline_route(pl, &rec);
	rec = rec_qr("www.example.com", 1, 0);
	rec.tag = "other";
	dt_pipeline_route(pl, &rec); /* dropped by domain */
	rec = rec_qr("www.example.net", 1, 3);
	rec.tag = "other";
	dt_pipeline_route(pl, &rec); /* kept */

	assert_int_equal(pl->filters[0].in, 2);
	assert_int_equal(pl->filters[0].removed, 1);
	assert_int_equal(pl->filters[1].in, 2);
	assert_int_equal(pl->filters[1].removed, 1);
	assert_int_equal(pl->outputs[0].in, 2);
	assert_int_equal(pl->outputs[0].out, 2);
	assert_int_equal(pl->outputs[1].in, 0);
	assert_string_equal(pl->outputs[1].label, "file.1");
	dt_pipeline_free(pl); /* flushes the file */

	f = fopen(out, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		assert_non_null(strstr(line, "\"dns\":"));
	}
	fclose(f);
	assert_int_equal(lines, 2);
	snprintf(msg, sizeof(msg), "%s", out);
	unlink(out);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_domain),	   cmocka_unit_test(test_domain_large),
	    cmocka_unit_test(test_query),	   cmocka_unit_test(test_process),
	    cmocka_unit_test(test_sample),	   cmocka_unit_test(test_rate_limit),
	    cmocka_unit_test(test_pipeline_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
