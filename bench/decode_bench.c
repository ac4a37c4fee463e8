// SPDX-License-Identifier: MIT
/*
 * Decoder throughput: dns_decode() over the recorded wire messages, round
 * robin, for a fixed time; then the same plus dns_registered_domain() on
 * each question (what the ECS formatter adds per record, before its cache).
 * Rates are per CPU second of this thread, so a busy machine does not skew them.
 *
 *   build-DIR/bench/decode_bench [WIRE_DIR] [SECONDS]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "dns/dns.h"

#define MAX_FILES 256

static uint8_t *bufs[MAX_FILES];
static size_t lens[MAX_FILES];
static size_t n_files;
static struct dns_msg msg;

/* CPU time of this thread: the rate per core, even on a busy machine */
static double now(void)
{
	return (double)dt_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
}

static int load(const char *dir, const char *suffix)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)) && n_files < MAX_FILES) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);
		char path[1024];
		FILE *f;

		if (l < sl || strcmp(de->d_name + l - sl, suffix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		bufs[n_files] = malloc(65536);
		lens[n_files] = fread(bufs[n_files], 1, 65536, f);
		fclose(f);
		n_files++;
	}
	closedir(d);
	return 0;
}

static void run(const char *what, double seconds, int psl)
{
	unsigned long long n = 0, bytes = 0, errors = 0, sink = 0;
	double t0 = now(), t;
	char reg[256];

	do {
		for (int k = 0; k < 1000; k++) {
			size_t i = n % n_files;

			if (dns_decode(bufs[i], lens[i], &msg))
				errors++;
			sink += msg.n_rr;
			if (psl && msg.has_question &&
			    dns_registered_domain(msg.qname, reg, sizeof(reg)) == 0)
				sink += (unsigned char)reg[0];
			bytes += lens[i];
			n++;
		}
		t = now() - t0;
	} while (t < seconds);
	printf(
	    "%-28s %10.0f msg/s  %7.1f MB/s  %6.0f ns/msg  (%llu msgs, %llu errors, sink %llu)\n",
	    what, (double)n / t, (double)bytes / t / 1e6, t * 1e9 / (double)n, n, errors, sink);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/wire";
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;

	if (load(dir, ".response.bin") || n_files == 0) {
		fprintf(stderr, "decode_bench: no *.response.bin in %s\n", dir);
		return 1;
	}
	printf("%zu recorded responses from %s\n", n_files, dir);
	run("responses: dns_decode", seconds, 0);
	run("responses: + registered dom", seconds, 1);
	n_files = 0;
	load(dir, ".query.bin");
	if (n_files)
		run("queries: dns_decode", seconds, 0);
	dns_registered_domain_cleanup();
	return 0;
}
