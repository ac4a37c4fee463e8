/* SPDX-License-Identifier: MIT */
/*
 * bpf_dump: load the dnstrail BPF programs and print every ring-buffer
 * record as one line, for the live kernel-side tests (bpf_capture.sh).
 *
 *   bpf_dump [-p PORT]... [-s SNAPLEN] [-d SECONDS] [-u USER] [-w BATCH] [-i IDS_FILE] [-q]
 *
 * -u drops to USER with no capabilities after loading (as the daemon does),
 * proving the ring buffer and the mmapped counters work without bpf().
 * -i writes "name id" lines of the loaded programs (for bpf_stats).
 * -C also attaches an empty program (the bpf_stats measurement floor).
 * Prints one line to stderr at the end: counters of the kernel side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/fnv.h"
#include "inputs/ebpf_loader.h"

static volatile sig_atomic_t stop;
static bool quiet; /* -q: count records, print nothing (benchmarks) */
static unsigned long long n_records;

static void on_signal(int sig)
{
	stop = 1;
}

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void on_record(void *user, const void *data, size_t size)
{
	const struct dt_ev_hdr *h = data;
	int64_t off = *(int64_t *)user;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (size < sizeof(*h))
		return;
	n_records++;
	if (quiet)
		return;
	switch (h->type) {
	case DT_EV_PKT: {
		const struct dt_ev_pkt *p = data;
		int af = p->family == 6 ? AF_INET6 : AF_INET;

		char comm[DT_COMM_LEN + 1] = {0};

		/* one token per field: no spaces in comm ("nsd: xfrd") */
		memcpy(comm, p->comm, DT_COMM_LEN);
		for (char *q = comm; *q; q++)
			if (*q == ' ' || *q == '=')
				*q = '_';
		inet_ntop(af, p->saddr, a, sizeof(a));
		inet_ntop(af, p->daddr, b, sizeof(b));
		printf("PKT ts=%lld dir=%s fam=%u proto=%s src=%s sport=%u dst=%s dport=%u "
		       "pid=%u tid=%u uid=%u comm=%s cgroup=%llu netns=%u ifindex=%u flags=%u "
		       "tcpflags=%u seq=%u orig=%u cap=%u slot=%zu dnsid=",
		       (long long)(h->ts_ns + off), p->direction ? "in" : "out", p->family,
		       p->transport == 6 ? "tcp" : "udp", a, p->sport, b, p->dport, p->pid, p->tid,
		       p->uid, comm[0] ? comm : "-", (unsigned long long)p->cgroup_id, p->netns,
		       p->ifindex, p->flags, p->tcp_flags, p->tcp_seq, p->orig_len, p->cap_len,
		       size);
		/* the DNS id (UDP: bytes 0-1; TCP: after the 2-byte length) */
		size_t o = p->transport == 6 ? 2 : 0;

		if (p->cap_len >= o + 2)
			print_hex(p->payload + o, 2);
		else
			printf("-");
		/* a digest of the whole payload, which the test compares
		 * with the bytes its own responder sent and received */
		printf(" sum=%016llx payload=",
		       (unsigned long long)dt_fnv1a64(p->payload, p->cap_len));
		print_hex(p->payload, p->cap_len < 64 ? p->cap_len : 64);
		printf("\n");
		break;
	}
	case DT_EV_EXEC: {
		const struct dt_ev_exec *e = data;

		printf("EXEC pid=%u ppid=%u uid=%u comm=%s exe=%s\n", e->pid, e->ppid, e->uid,
		       e->comm, e->exe);
		break;
	}
	case DT_EV_FORK: {
		const struct dt_ev_fork *f = data;

		printf("FORK pid=%u ppid=%u comm=%s\n", f->pid, f->ppid, f->comm);
		break;
	}
	case DT_EV_EXIT: {
		const struct dt_ev_exit *x = data;

		printf("EXIT pid=%u code=%u\n", x->pid, x->exit_code);
		break;
	}
	default:
		printf("UNKNOWN type=%u size=%zu\n", h->type, size);
	}
}

static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};

	if (!pw)
		return -ENOENT;
	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return -errno;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct dt_ebpf_config cfg;
	struct dt_ebpf *e;
	struct dt_cpu_counters sum;
	const char *user = NULL, *ids_file = NULL;
	double duration = 0;
	char err[512];
	int64_t off = dt_clock_offset_now();
	int opt, ret;
	bool ports_set = false;

	dt_ebpf_config_default(&cfg);
	while ((opt = getopt(argc, argv, "p:s:d:u:w:b:i:qC")) != -1) {
		switch (opt) {
		case 'p':
			if (!ports_set)
				cfg.n_ports = 0;
			ports_set = true;
			if (cfg.n_ports < DT_MAX_PORTS)
				cfg.ports[cfg.n_ports++] = atoi(optarg);
			break;
		case 's':
			cfg.snaplen = atoi(optarg);
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'u':
			user = optarg;
			break;
		case 'w':
			cfg.wakeup_batch = atoi(optarg);
			break;
		case 'b':
			cfg.batch = atoi(optarg);
			break;
		case 'i':
			ids_file = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'C':
			cfg.calibrate = 1;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-p PORT]... [-s SNAPLEN] [-d SECONDS] [-u USER] "
				"[-w WAKEUP_BATCH] [-b KERNEL_BATCH] [-i IDS_FILE] [-q]\n",
				argv[0]);
			return 2;
		}
	}
	ret = dt_ebpf_open(&cfg, on_record, &off, &e, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpf_dump: %s\n", err);
		return 1;
	}
	if (ids_file) {
		struct dt_ebpf_prog_stat progs[8];
		int n = dt_ebpf_prog_stats(e, progs, 8);
		FILE *f = fopen(ids_file, "w");

		for (int i = 0; f && i < n; i++)
			fprintf(f, "%s %u\n", progs[i].name, progs[i].id);
		if (f)
			fclose(f);
	}
	if (user && drop_privileges(user)) {
		fprintf(stderr, "bpf_dump: cannot drop privileges to %s\n", user);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20); /* a file: keep up with heavy traffic */
	fprintf(stderr, "bpf_dump: ready\n");

	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct pollfd pfd = {.fd = dt_ebpf_poll_fd(e), .events = POLLIN};

		poll(&pfd, 1, 100);
		off = dt_clock_offset_now();
		if (dt_ebpf_consume(e) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (duration > 0 &&
		    (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= duration)
			break;
	}
	/* drain what is left (bounded: the host may still be busy) */
	dt_ebpf_settle(e);
	for (int i = 0; i < 64 && dt_ebpf_consume(e) > 0; i++)
		;
	dt_ebpf_counters(e, &sum);
	fprintf(stderr,
		"{\"bpf_dump\":{\"emitted\":%llu,\"drops\":%llu,\"skipped_dup\":%llu,"
		"\"proc_events\":%llu,\"wakeups\":%llu,\"hdr_nonlinear\":%llu,\"records\":%llu,"
		"\"batches\":%llu,\"timer_flushes\":%llu,\"nested\":%llu,\"uid\":%u}}\n",
		(unsigned long long)sum.emitted, (unsigned long long)sum.drops,
		(unsigned long long)sum.skipped_dup, (unsigned long long)sum.proc_events,
		(unsigned long long)sum.wakeups, (unsigned long long)sum.hdr_nonlinear, n_records,
		(unsigned long long)sum.batches, (unsigned long long)sum.timer_flushes,
		(unsigned long long)sum.nested, getuid());
	dt_ebpf_close(e);
	return 0;
}
