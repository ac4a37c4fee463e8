/* SPDX-License-Identifier: MIT */
/* Load, configure and attach the dnstrail BPF programs; see ebpf_loader.h. */
#include "inputs/ebpf_loader.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/clock.h"
#include "dnstrail.skel.h"
#include "dt_ring.h"
#include "inputs/cpu_list.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39
#define MAX_LINKS 8
#define PROC_RING_SIZE (256u << 10) /* with batches: a few hundred bytes per exec */

struct dt_ebpf {
	struct dnstrail_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	int n_links;
	struct dt_ring *rings;	   /* n_rings: one per online CPU (or one shared), then
				    * with batches the process events' */
	unsigned *ring_heap;	   /* n_rings: dt_ring_merge()'s scratch */
	struct ring_map *ring_maps; /* the same rings' fds and mappings */
	unsigned n_rings;
	unsigned *slot_ring; /* entry of `rings` (a CPU) -> index into rings[] */
	unsigned n_slots;
	size_t ring_size; /* bytes of data per ring */
	size_t page;
	int epfd;
	int timerfd;
	int stats_fd; /* BPF_ENABLE_STATS: run-time statistics on while open; -1 */
	void *counters; /* mmap of the counters array */
	size_t counters_len;
	int n_cpus;
	dt_ebpf_record_fn fn;
	void *user;
	uint32_t max_batch; /* records per dt_ebpf_consume() */
	bool batches;	    /* the kernel side gathers packet records per CPU */
	bool held;	    /* see dt_ebpf_held() */
	uint64_t batch_ns;
	/* packets per batch (dt_stage_msgs); 0: no batches */
	uint32_t stage_msgs;
	uint64_t *staged_gen; /* n_cpus: dt_ebpf_consume()'s scratch */
};

struct ring_map {
	int fd;
	size_t size; /* bytes of data */
	void *cons;  /* mmap of the consumer page */
	void *prod;  /* mmap of the producer page and twice the data */
};

/* libbpf messages during open/load/attach, to explain a failure in one sentence. */
static struct {
	char first_fail[256];
	char last_log[256];
	char prev[256];
} lbmsg;

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* Keep the first warning that says "fail" and the verifier's last words
 * (the line before "-- END PROG LOAD LOG --"); the log is one long message. */
static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char text[65536];
	char *line, *save = NULL;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (getenv("DNSTRAIL_LIBBPF_DEBUG"))
		fputs(text, stderr);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		chomp(line);
		if (!line[0])
			continue;
		if (strstr(line, "-- END PROG LOAD LOG --") && !lbmsg.last_log[0])
			snprintf(lbmsg.last_log, sizeof(lbmsg.last_log), "%s", lbmsg.prev);
		if (!lbmsg.first_fail[0] && level <= LIBBPF_WARN && strstr(line, "fail"))
			snprintf(lbmsg.first_fail, sizeof(lbmsg.first_fail), "%s",
				 strncmp(line, "libbpf: ", 8) ? line : line + 8);
		if (strncmp(line, "processed ", 10) != 0)
			snprintf(lbmsg.prev, sizeof(lbmsg.prev), "%s", line);
	}
	return 0;
}

static uint64_t cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t caps = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			caps = strtoull(line + 7, NULL, 16);
			break;
		}
	fclose(f);
	return caps;
}

int64_t dt_clock_offset_now(void)
{
	struct timespec m1, r, m2;
	int64_t best = 0, best_w = INT64_MAX;

	/* the narrowest of a few brackets: offset exact to the vDSO's noise */
	for (int i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		int64_t a = m1.tv_sec * 1000000000LL + m1.tv_nsec;
		int64_t b = m2.tv_sec * 1000000000LL + m2.tv_nsec;
		int64_t rr = r.tv_sec * 1000000000LL + r.tv_nsec;

		if (b - a < best_w) {
			best_w = b - a;
			best = rr - (a + (b - a) / 2);
		}
	}
	return best;
}

void dt_ebpf_config_default(struct dt_ebpf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ports[0] = 53;
	cfg->n_ports = 1;
	cfg->snaplen = DT_SNAPLEN_MAX;
	cfg->ring_size = 8u << 20;
	cfg->ring_min_per_cpu = 256u << 10;
	cfg->wakeup_batch = 256;
	cfg->wakeup_ns = 10 * 1000000ull;
	cfg->poll_interval_ms = 10;
	cfg->max_batch = 16384;
	cfg->batch = 16;
	cfg->batch_ns = 2 * 1000000ull;
}

/* Ring i mapped as libbpf maps a ring buffer: the consumer page read-write,
 * the producer page and the data (twice, so no record wraps) read-only. */
static int map_ring(struct dt_ebpf *e, unsigned i)
{
	struct ring_map *m = &e->ring_maps[i];
	struct dt_ring *r = &e->rings[i];

	m->cons = mmap(NULL, e->page, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->cons == MAP_FAILED) {
		m->cons = NULL;
		return -errno;
	}
	m->prod = mmap(NULL, e->page + 2 * m->size, PROT_READ, MAP_SHARED, m->fd, e->page);
	if (m->prod == MAP_FAILED) {
		m->prod = NULL;
		return -errno;
	}
	r->consumer_pos = m->cons;
	r->producer_pos = m->prod;
	r->data = (const uint8_t *)m->prod + e->page;
	r->mask = m->size - 1;
	return 0;
}

/*
 * Which ring each entry of `rings` gets: shared, one for all; else one per
 * CPU online now. A CPU that is only possible (hot-pluggable, often many
 * more than are online in a VM) gets the first CPU's ring should it come
 * online, rather than a ring of its own that would most likely never be
 * written. A ring with two producers keeps its records in the order they
 * were reserved, which is all the merge needs.
 */
static int plan_rings(struct dt_ebpf *e, const struct dt_ebpf_config *cfg, char *err,
		      size_t errlen)
{
	bool *online;

	e->n_slots = cfg->shared_ring ? 1 : (unsigned)e->n_cpus;
	e->slot_ring = calloc(e->n_slots, sizeof(*e->slot_ring));
	online = calloc(e->n_slots, sizeof(*online));
	if (!e->slot_ring || !online) {
		free(online);
		snprintf(err, errlen, "out of memory for %u ring-buffer slots", e->n_slots);
		return -ENOMEM;
	}
	if (e->n_slots == 1 ||
	    dt_cpu_list_read("/sys/devices/system/cpu/online", online, e->n_slots) <= 0)
		for (unsigned i = 0; i < e->n_slots; i++)
			online[i] = true; /* unknown: every possible CPU */
	e->n_rings = 0;
	for (unsigned i = 0; i < e->n_slots; i++)
		e->slot_ring[i] = online[i] ? e->n_rings++ : 0;
	free(online);
	return 0;
}

/* With batches: the process events' ring, after the CPUs' (ring n_rings - 1,
 * entry n_slots of `rings`). */
static unsigned proc_ring(const struct dt_ebpf *e)
{
	return e->batches ? e->n_rings - 1 : 0;
}

/* The rings, created before the object is loaded: the first one is the
 * template of `rings`' values. Mapped only after the load (map_rings): the
 * kernel maps every page of a ring at mmap() time, and the load's own peak
 * of memory (libbpf reading the kernel's BTF) would come on top. */
static int create_rings(struct dt_ebpf *e, char *err, size_t errlen)
{
	e->rings = calloc(e->n_rings, sizeof(*e->rings));
	e->ring_heap = calloc(e->n_rings, sizeof(*e->ring_heap));
	e->ring_maps = calloc(e->n_rings, sizeof(*e->ring_maps));
	if (!e->rings || !e->ring_heap || !e->ring_maps) {
		free(e->ring_maps);
		e->ring_maps = NULL; /* dt_ebpf_close() would close fd 0 */
		snprintf(err, errlen, "out of memory for %u ring buffers", e->n_rings);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < e->n_rings; i++)
		e->ring_maps[i].fd = -1;
	for (unsigned i = 0; i < e->n_rings; i++) {
		struct ring_map *m = &e->ring_maps[i];
		int ret;

		m->size = e->batches && i == proc_ring(e) ? PROC_RING_SIZE : e->ring_size;
		m->fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "dt_ring", 0, 0, m->size, NULL);
		if (m->fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "creating ring buffer %u of %u (%zu bytes) failed: %s",
				 i + 1, e->n_rings, m->size, strerror(-ret));
			return ret;
		}
	}
	int ret = bpf_map__set_inner_map_fd(e->skel->maps.rings, e->ring_maps[0].fd);

	if (ret)
		snprintf(err, errlen, "making ring buffer 1 the template of `rings` failed: %s",
			 strerror(-ret));
	return ret;
}

/* After the load, before anything is attached (until then a program would
 * find no ring and count a drop): into `rings`, and mapped here. */
static int map_rings(struct dt_ebpf *e, char *err, size_t errlen)
{
	int outer = bpf_map__fd(e->skel->maps.rings);

	for (unsigned slot = 0; slot < e->n_slots; slot++) {
		unsigned i = e->slot_ring[slot];

		if (bpf_map_update_elem(outer, &slot, &e->ring_maps[i].fd, BPF_ANY) < 0) {
			int ret = -errno;

			snprintf(err, errlen, "inserting ring buffer %u for CPU %u failed: %s",
				 i + 1, slot, strerror(-ret));
			return ret;
		}
	}
	if (e->batches) {
		unsigned slot = e->n_slots;

		if (bpf_map_update_elem(outer, &slot, &e->ring_maps[proc_ring(e)].fd, BPF_ANY) < 0) {
			int ret = -errno;

			snprintf(err, errlen, "inserting the process events' ring buffer failed: %s",
				 strerror(-ret));
			return ret;
		}
	}
	for (unsigned i = 0; i < e->n_rings; i++) {
		int ret = map_ring(e, i);

		if (ret) {
			snprintf(err, errlen, "mapping ring buffer %u failed: %s", i + 1,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Batches on every CPU that alone writes its ring (see `stages`). A CPU
 * that was offline at start shares the first CPU's ring: neither batches. */
static int allow_batches(struct dt_ebpf *e)
{
	volatile struct dt_cpu_counters *c = e->counters;
	unsigned *producers = calloc(e->n_rings, sizeof(*producers));

	if (!producers)
		return -ENOMEM;
	for (unsigned slot = 0; slot < e->n_slots; slot++)
		producers[e->slot_ring[slot]]++;
	for (unsigned slot = 0; slot < e->n_slots; slot++)
		c[slot].batch_ok = producers[e->slot_ring[slot]] == 1;
	free(producers);
	return 0;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v && p < (1ull << 31))
		p <<= 1;
	return p;
}

static int setup_poll(struct dt_ebpf *e, const struct dt_ebpf_config *cfg, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	uint32_t ms = cfg->poll_interval_ms;
	struct itimerspec its = {
	    .it_interval = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L},
	    .it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L},
	};

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		goto err_errno;
	for (unsigned i = 0; i < e->n_rings; i++) {
		ev.data.fd = e->ring_maps[i].fd;
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
			goto err_errno;
	}
	if (!ms)
		return 0; /* the caller collects on its own timer */
	e->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->timerfd < 0 || timerfd_settime(e->timerfd, 0, &its, NULL) < 0)
		goto err_errno;
	ev.data.fd = e->timerfd;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->timerfd, &ev) < 0)
		goto err_errno;
	return 0;
err_errno:
	snprintf(err, errlen, "setting up the ring-buffer poll set failed: %s", strerror(errno));
	return -errno;
}

int dt_ebpf_open(const struct dt_ebpf_config *cfg, dt_ebpf_record_fn fn, void *user,
		 struct dt_ebpf **out, char *err, size_t errlen)
{
	struct dnstrail_bpf *skel;
	struct bpf_program *prog;
	struct dt_ebpf *e;
	uint64_t caps;
	int ret;

	caps = cap_eff();
	if (!(caps & (1ull << CAP_SYS_ADMIN_BIT)) &&
	    (caps & (3ull << CAP_PERFMON_BIT)) != (3ull << CAP_PERFMON_BIT)) {
		snprintf(err, errlen,
			 "live capture needs root or CAP_BPF+CAP_PERFMON (this process has "
			 "neither); run as root or read a file with --pcap");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, errlen,
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux missing): build it with "
			 "CONFIG_DEBUG_INFO_BTF=y, or use --pcap");
		return -ENOTSUP;
	}
	if (!cfg->n_ports || cfg->n_ports > DT_MAX_PORTS || cfg->snaplen < DT_SNAPLEN_MIN ||
	    cfg->snaplen > DT_SNAPLEN_MAX) {
		snprintf(err, errlen, "invalid eBPF settings: 1..%d ports, snaplen %d..%d",
			 DT_MAX_PORTS, DT_SNAPLEN_MIN, DT_SNAPLEN_MAX);
		return -EINVAL;
	}

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->epfd = e->timerfd = e->stats_fd = -1;
	e->max_batch = cfg->max_batch ? cfg->max_batch : 16384;
	e->fn = fn;
	e->user = user;
	memset(&lbmsg, 0, sizeof(lbmsg));
	libbpf_print_fn_t old_print = libbpf_set_print(libbpf_capture);

	skel = dnstrail_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "opening the BPF object failed: %s", strerror(errno));
		goto err_free;
	}
	e->skel = skel;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		skel->rodata->dt_ports_be[i] = htobe16(cfg->ports[i]);
	skel->rodata->dt_n_ports = cfg->n_ports;
	skel->rodata->dt_snaplen = cfg->snaplen;
	skel->rodata->dt_wakeup_batch = cfg->wakeup_batch ? cfg->wakeup_batch : 1;
	skel->rodata->dt_wakeup_ns = cfg->wakeup_ns;
	e->n_cpus = libbpf_num_possible_cpus();
	if (e->n_cpus <= 0) {
		ret = e->n_cpus ? e->n_cpus : -EINVAL;
		snprintf(err, errlen, "cannot count the possible CPUs");
		goto err_destroy;
	}
	skel->rodata->dt_nr_cpus = e->n_cpus;
	bpf_map__set_max_entries(skel->maps.counters, e->n_cpus);
	/* per CPU: the budget shared out, each ring at least ring_min_per_cpu */
	e->page = (size_t)sysconf(_SC_PAGESIZE);
	ret = plan_rings(e, cfg, err, errlen);
	if (ret)
		goto err_destroy;
	uint64_t per_ring = cfg->ring_size / e->n_rings;

	if (!cfg->shared_ring && per_ring < cfg->ring_min_per_cpu)
		per_ring = cfg->ring_min_per_cpu;
	e->ring_size = pow2_at_least(per_ring);
	skel->rodata->dt_ring_per_cpu = !cfg->shared_ring;
	/* batches need a ring per CPU: the merge orders messages across rings,
	 * not the batches of several CPUs within one */
	e->batches = !cfg->shared_ring && cfg->batch > 1;
	e->batch_ns = cfg->batch_ns ? cfg->batch_ns : 1000000ull;
	e->stage_msgs = e->batches ? cfg->batch : 0;
	skel->rodata->dt_stage_msgs = e->stage_msgs;
	skel->rodata->dt_stage_ns = e->batch_ns;
	bpf_map__set_max_entries(skel->maps.stages, 2 * e->n_cpus);
	if (e->batches) {
		skel->rodata->dt_proc_slot = e->n_slots;
		e->n_rings++;
		e->staged_gen = calloc(e->n_cpus, sizeof(*e->staged_gen));
		if (!e->staged_gen) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto err_destroy;
		}
	}
	bpf_map__set_max_entries(skel->maps.rings, e->n_slots + e->batches);
	ret = create_rings(e, err, errlen);
	if (ret)
		goto err_destroy;
	/* The settings in kmalloc'd memory instead of vmalloc'd 4 KiB pages:
	 * every packet reads the port list, and where the kernel's TLB is
	 * flushed at each return to user space (page-table isolation without
	 * PCID) a vmalloc'd page costs a page walk at each packet. The
	 * skeleton's skel->rodata is NULL after the load. */
	bpf_map__set_map_flags(skel->maps.rodata,
			       bpf_map__map_flags(skel->maps.rodata) & ~BPF_F_MMAPABLE);
	bpf_program__set_autoload(skel->progs.dt_calibrate_empty, cfg->calibrate != 0);
	if (cfg->no_process_events) {
		bpf_program__set_autoload(skel->progs.dt_sched_process_exec, false);
		bpf_program__set_autoload(skel->progs.dt_sched_process_fork, false);
		bpf_program__set_autoload(skel->progs.dt_sched_process_exit, false);
	}

	ret = dnstrail_bpf__load(skel);
	if (ret) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s%s",
			 lbmsg.first_fail[0] ? lbmsg.first_fail : strerror(-ret),
			 lbmsg.last_log[0] ? "; verifier: " : "", lbmsg.last_log);
		goto err_destroy;
	}
	ret = map_rings(e, err, errlen);
	if (ret)
		goto err_destroy;
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (!bpf_program__autoload(prog) || e->n_links >= MAX_LINKS)
			continue;
		struct bpf_link *l = bpf_program__attach(prog);

		if (!l) {
			ret = -errno;
			snprintf(err, errlen, "attaching BPF program %s (%s) failed: %s",
				 bpf_program__name(prog), bpf_program__section_name(prog),
				 strerror(-ret));
			goto err_destroy;
		}
		e->links[e->n_links++] = l;
	}

	e->counters_len = (size_t)e->n_cpus * sizeof(struct dt_cpu_counters);
	e->counters_len = (e->counters_len + 4095) & ~(size_t)4095;
	e->counters = mmap(NULL, e->counters_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(skel->maps.counters), 0);
	if (e->counters == MAP_FAILED) {
		ret = -errno;
		e->counters = NULL;
		snprintf(err, errlen, "mapping the BPF counters failed: %s", strerror(-ret));
		goto err_destroy;
	}
	ret = e->batches ? allow_batches(e) : 0;
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto err_destroy;
	}
	ret = setup_poll(e, cfg, err, errlen);
	if (ret)
		goto err_destroy;
	if (cfg->run_stats) {
		/* counts every BPF program's runs and time until closed (a clock
		 * read before and after each run of any program on the host) */
		e->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (e->stats_fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "bpf_stats: turning on BPF run-time statistics failed: %s",
				 strerror(-ret));
			goto err_destroy;
		}
	}
	libbpf_set_print(old_print);
	*out = e;
	return 0;

err_destroy:
	libbpf_set_print(old_print);
	dt_ebpf_close(e);
	return ret;
err_free:
	libbpf_set_print(old_print);
	free(e);
	return ret;
}

int dt_ebpf_poll_fd(const struct dt_ebpf *e)
{
	return e->epfd;
}

/*
 * The cutoff with batches (see dt_ring_merge()): a query Q gathered on CPU A
 * and not yet in its ring must not be overtaken by its response R, already
 * in B's. CPU A published Q's batch's oldest stamp (staged_ts, <= ts(Q))
 * before Q's packet went on, so before R existed; it writes the batch out,
 * then moves staged_gen, then clears or renews staged_ts. Reading the
 * generations and stamps, then the positions, then the stamps and the
 * generations again: if R is in what was loaded and Q is not, one of the two
 * stamps read is <= ts(Q), or A's generation moved in between. So nothing
 * stamped at or after the oldest held-back stamp is handed over.
 * A generation that moved matters only for a CPU whose first stamp read was
 * 0: a first stamp x bounds every record A placed after it (all stamped >= x),
 * and everything A placed before x was in its ring before x was published.
 * Such a CPU is read again (a few times at most).
 * A stamp older than a second is a stage whose timer failed: ignored, the
 * order of its messages then at risk rather than the whole stream held.
 * Returns 0 when the generations kept moving (nothing handed over now).
 */
static uint64_t batch_cutoff(struct dt_ebpf *e, struct dt_ring_set *set, uint64_t cutoff)
{
	const struct dt_cpu_counters *c = e->counters;
	uint64_t stale = cutoff > 1000000000ull ? cutoff - 1000000000ull : 0;

	for (int tries = 0; tries < 8; tries++) {
		uint64_t held = UINT64_MAX;
		bool moved = false;

		for (int i = 0; i < e->n_cpus; i++) {
			uint64_t ts;

			e->staged_gen[i] = __atomic_load_n(&c[i].staged_gen, __ATOMIC_ACQUIRE);
			ts = __atomic_load_n(&c[i].staged_ts, __ATOMIC_ACQUIRE);
			if (ts > stale && ts < held)
				held = ts;
			if (ts > stale)
				e->staged_gen[i] = UINT64_MAX; /* bounded by ts: see above */
		}
		dt_ring_load(set);
		for (int i = 0; i < e->n_cpus && !moved; i++) {
			uint64_t ts = __atomic_load_n(&c[i].staged_ts, __ATOMIC_ACQUIRE);

			if (ts > stale && ts < held)
				held = ts;
			moved = e->staged_gen[i] != UINT64_MAX &&
				__atomic_load_n(&c[i].staged_gen, __ATOMIC_ACQUIRE) != e->staged_gen[i];
		}
		if (!moved)
			return held <= cutoff ? held - 1 : cutoff;
	}
	return 0;
}

int dt_ebpf_consume(struct dt_ebpf *e)
{
	uint64_t expirations;
	int n;

	while (e->timerfd >= 0 && read(e->timerfd, &expirations, sizeof(expirations)) > 0)
		;
	/* at most max_batch records: a flood must not hold the caller forever;
	 * a full batch tells it that more may wait. Several rings: only what
	 * was stamped before now (see dt_ring_merge). */
	uint64_t cutoff = e->n_rings > 1 ? dt_now_mono_ns() : UINT64_MAX;
	struct dt_ring_set set = {e->rings, e->ring_heap, e->n_rings,
				  offsetof(struct dt_ev_hdr, ts_ns), DT_EV_BATCH};

	bool cut = false; /* the batches' watermark lowered the cutoff */

	e->held = false;
	if (!e->batches) {
		dt_ring_load(&set);
	} else {
		uint64_t now = cutoff;

		cutoff = batch_cutoff(e, &set, cutoff);
		if (!cutoff)
			return 0;
		cut = cutoff < now;
	}
	n = (int)dt_ring_merge_loaded(&set, cutoff, e->max_batch, e->fn, e->user);
	/* held: the cutoff stopped the merge, not max, and left records behind */
	if (cut && n < (int)e->max_batch)
		for (unsigned i = 0; i < e->n_rings && !e->held; i++)
			e->held = e->rings[i].cons != e->rings[i].prod;
	return n;
}

/* The programs off their tracepoints (capture stops; maps and timers stay). */
static void detach(struct dt_ebpf *e)
{
	for (int i = 0; i < e->n_links; i++)
		bpf_link__destroy(e->links[i]);
	e->n_links = 0;
}

bool dt_ebpf_held(const struct dt_ebpf *e)
{
	return e->held;
}

void dt_ebpf_settle(struct dt_ebpf *e)
{
	const volatile struct dt_cpu_counters *c = e->counters;
	struct timespec ms = {0, 1000000};

	/* detached first: with packets still coming some CPU would always hold
	 * a batch back; the stages' timers go on writing them out */
	detach(e);
	for (uint64_t waited = 0; c && e->batches && waited <= 2 * e->batch_ns + 10000000ull;
	     waited += 1000000) {
		bool held = false;

		for (int i = 0; i < e->n_cpus; i++)
			held |= c[i].staged_ts != 0;
		if (!held)
			return;
		nanosleep(&ms, NULL);
	}
}

void dt_ebpf_counters(const struct dt_ebpf *e, struct dt_cpu_counters *sum)
{
	const volatile struct dt_cpu_counters *c = e->counters;

	memset(sum, 0, sizeof(*sum));
	if (!c)
		return;
	for (int i = 0; i < e->n_cpus; i++) {
		sum->drops += c[i].drops;
		sum->emitted += c[i].emitted;
		sum->skipped_dup += c[i].skipped_dup;
		sum->proc_events += c[i].proc_events;
		sum->wakeups += c[i].wakeups;
		sum->hdr_nonlinear += c[i].hdr_nonlinear;
		sum->batches += c[i].batches;
		sum->timer_flushes += c[i].timer_flushes;
		sum->nested += c[i].nested;
	}
}

void dt_ebpf_describe(const struct dt_ebpf *e, char *buf, size_t len)
{
	size_t kib = e->ring_size >> 10;
	const char *unit = kib >= 1024 ? "MiB" : "KiB";

	if (kib >= 1024)
		kib >>= 10;
	if (e->n_slots == 1)
		snprintf(buf, len, "one shared ring buffer of %zu %s", kib, unit);
	else if (e->batches)
		snprintf(buf, len,
			 "%u ring buffers of %zu %s, one per online CPU, packets in batches of up "
			 "to %u; one of %u KiB for process events",
			 e->n_rings - 1, kib, unit, e->stage_msgs, PROC_RING_SIZE >> 10);
	else
		snprintf(buf, len, "%u ring buffers of %zu %s, one per online CPU", e->n_rings, kib,
			 unit);
}

int dt_ebpf_prog_stats(const struct dt_ebpf *e, struct dt_ebpf_prog_stat *out, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, e->skel->obj)
	{
		struct bpf_prog_info info = {0};
		uint32_t len = sizeof(info);

		if (n >= max || bpf_program__fd(prog) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		out[n] = (struct dt_ebpf_prog_stat){
		    .name = bpf_program__name(prog),
		    .id = info.id,
		    .runs = info.run_cnt,
		    .run_ns = info.run_time_ns,
		    .recursion_misses = info.recursion_misses,
		};
		n++;
	}
	return n;
}

void dt_ebpf_close(struct dt_ebpf *e)
{
	if (!e)
		return;
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->timerfd >= 0)
		close(e->timerfd);
	if (e->stats_fd >= 0)
		close(e->stats_fd);
	for (unsigned i = 0; e->ring_maps && i < e->n_rings; i++) {
		struct ring_map *m = &e->ring_maps[i];

		if (m->prod)
			munmap(m->prod, e->page + 2 * m->size);
		if (m->cons)
			munmap(m->cons, e->page);
		if (m->fd >= 0)
			close(m->fd);
	}
	free(e->ring_maps);
	free(e->rings);
	free(e->ring_heap);
	free(e->slot_ring);
	free(e->staged_gen);
	if (e->counters)
		munmap(e->counters, e->counters_len);
	detach(e);
	dnstrail_bpf__destroy(e->skel);
	free(e);
}
