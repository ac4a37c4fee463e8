// SPDX-License-Identifier: (MIT OR GPL-2.0)
/*
 * dnstrail kernel side: DNS-port packets and process lifecycle, from
 * tracepoints only (tp_btf), into one ring buffer per CPU (packet records
 * gathered in per-CPU batches first: see `stages`).
 *
 *   tp_btf/net_dev_queue      egress: packets leaving a device
 *   tp_btf/netif_receive_skb  ingress: packets arriving on a device
 *   tp_btf/sched_process_*    exec / fork / exit, so userspace keeps the
 *                             identity of processes that are already gone
 *
 * Every packet on the host runs through the two net programs, so the order
 * of checks is by cost: protocol, socket, one read of the L3+L4 headers,
 * ports; only DNS-port packets go further.
 *
 * Exactly once: a message between local processes is visible at up to four
 * hops (egress/ingress of each veth end, lo, bridge ports). We keep:
 *   egress:  skb->sk set and the socket's netns is the device's netns
 *            (locally originated here; forwarded and bridged copies have no
 *            socket or a socket from another netns);
 *   ingress: skb->sk NULL (a veth delivery still carries the sender's sk,
 *            which its egress already recorded) and not a loopback device
 *            (lo traffic was recorded at egress).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "dnstrail.h"
#include "dt_parse.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100  /* 802.1Q VLAN tag */
#define ETH_P_8021AD 0x88A8 /* 802.1ad service VLAN tag */
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IFF_LOOPBACK_ 0x8

#define PF_KTHREAD_ 0x00200000

/* global subprogram argument that is the program's context (kernel >= 6.8) */
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr) __ksym;

#define TCP_CHUNKS_MAX 16 /* records per TCP skb: 16 x snaplen covers 64 KiB */
#define DT_TCP_SYN_ 0x02

/* Settings, written by userspace between open and load. */
const volatile __u16 dt_ports_be[DT_MAX_PORTS] = {0x3500 /* htons(53) */};
const volatile __u32 dt_n_ports = 1;
const volatile __u32 dt_snaplen = DT_SNAPLEN_MAX;
const volatile __u32 dt_wakeup_batch = 256;
const volatile __u64 dt_wakeup_ns = 10000000; /* wake at once after this much quiet */
const volatile __u32 dt_nr_cpus = 1;
const volatile __u32 dt_ring_per_cpu = 1; /* 0: every CPU writes rings[0] */

/*
 * One ring buffer per CPU: a record costs its producer no cache line that
 * another CPU wrote last (the ring's lock and producer position bounce
 * between CPUs when they share one ring). Userspace merges the rings by
 * timestamp (bpf/dt_ring.h). Created by userspace (the first ring is the
 * template, so its size overrides the one below) and inserted before the
 * programs are attached.
 */
struct dt_ring_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, 1); /* resized to the number of rings */
	__array(values, struct dt_ring_map);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct dt_cpu_counters);
	__uint(max_entries, 1); /* resized to the number of possible CPUs */
} counters SEC(".maps");

/*
 * Batches. A ring record costs its reserve and commit, about a third of a
 * DNS packet's time here, so each CPU gathers its packet records in its own
 * stage and writes them to its ring as one DT_EV_BATCH record: when
 * dt_stage_msgs are gathered, when the next would not fit, or when the
 * oldest is dt_stage_ns old. A timer pinned to the CPU writes out what a CPU
 * that went quiet holds. What the reader needs to keep the order across CPUs
 * is in the counters' second line (bpf/dt_ring.h, dt_ring_merge()).
 *
 * One program at a time writes a CPU's stage: the packet programs run in
 * softirq or with bottom halves off, and so does the timer. `busy` catches
 * the rest (a program in hard-IRQ context, netpoll): such a record is built
 * in the CPU's second entry (n_cpus + cpu) and goes alone to the ring of
 * process events (below), not ahead of older packets in its CPU's ring.
 * A CPU batches only when its ring is its own (batch_ok, set by userspace):
 * the batches of two CPUs in one ring would be in the order they were
 * written out, not in the order of their packets.
 * Process events have a ring of their own (dt_proc_slot): they run in
 * process context, and a record of theirs written to a CPU's ring ahead of
 * a batch with older packets would be handed over before them.
 */
const volatile __u32 dt_stage_msgs = 0; /* packets per batch; 0: every record alone */
const volatile __u64 dt_stage_ns = 2000000;
const volatile __u32 dt_proc_slot = 0xffffffff; /* `rings` entry of process events, or none */
static volatile __u32 timer_broken; /* see stage_arm() */

struct dt_stage {
	struct bpf_timer timer;
	__u32 len; /* bytes gathered, the batch header included; 0: empty */
	__u32 n;   /* packet records gathered */
	__u32 busy;
	__u32 armed;	/* the timer is set */
	__u32 timer_ok; /* the timer is initialised */
	__u32 pad;
	__u8 buf[DT_BATCH_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct dt_stage);
	__uint(max_entries, 1); /* resized to twice the number of possible CPUs */
} stages SEC(".maps");

/*
 * Packets recorded at egress (any device: only the copies a virtual one --
 * veth, bridge port, ... -- delivers back are ever looked up), keyed by a
 * hash of what survives the trip unchanged: addresses, ports,
 * transport, payload length and the DNS id+flags (UDP) or sequence number
 * (TCP). An ingress copy of one of them is a repeat even when the path
 * dropped skb->sk (a clone in a bridge). A direct-mapped table, not an LRU
 * hash map: one store and one compare (an LRU update cost ~500 ns here); a
 * collision only forgets an older entry, which at worst records a repeat.
 */
#define DUP_WINDOW_NS 500000000ull
#define SENT_SLOTS 2048 /* power of two; small enough to stay in cache */

struct sent_slot {
	__u64 key;
	__u64 ts; /* bpf_ktime_get_ns() of the egress record */
};

static struct sent_slot sent[SENT_SLOTS];

/*
 * IP fragments: a later fragment has no ports. The first fragment of a
 * UDP datagram to/from a watched port (recorded) leaves its identity
 * (family, addresses, IP id) here, and a later fragment is recorded only if
 * its identity is found within the window. Direct-mapped like `sent`; only
 * fragments look at it.
 */
#define FRAG_WINDOW_NS 2000000000ull /* userspace gives up reassembly after 2 s too */
#define FRAG_SLOTS 256		     /* power of two */

static struct sent_slot frag_seen[FRAG_SLOTS];

/*
 * Later fragments that went by unrecorded, their first fragment not seen
 * (yet). When the first one of a DNS-port datagram follows within
 * FRAG_EARLY_NS (a reordering on the way, not a reuse of the IP id), its
 * record says the rest went by (DT_EV_FRAG_MISSED): userspace gives the
 * datagram up at once instead of after its 2 s reassembly timeout.
 */
#define FRAG_EARLY_NS 100000000ull

static struct sent_slot frag_early[FRAG_SLOTS];

struct pktinfo {
	__u32 netns;
	__u32 ifindex;
	__u32 pay_off; /* from skb->data (the dynptr's offset 0) */
	__u32 sender;  /* the current task sent it: record its identity */
	__u64 now;     /* bpf_ktime_get_ns(), taken once per packet */
	__u32 orig_len;
	__u32 cap;
	__u32 flags;
	__u32 tcp_seq;
	__u16 sport, dport; /* network order */
	__u8 family, transport, tcp_flags, dir;
	__u8 saddr[16], daddr[16];
	__u32 frag_id; /* DT_EV_FRAGMENT: as in struct dt_ev_pkt */
	__u16 frag_off, frag_len;
	__u32 nh; /* the IP header, from skb->head */
};

static __always_inline struct dt_cpu_counters *cpu_counters(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&counters, &cpu);
}

/* The ring of this CPU (or the shared one); NULL only if userspace has not
 * inserted it, which counts as a drop. */
static __always_inline void *cpu_ring(void)
{
	__u32 i = dt_ring_per_cpu ? bpf_get_smp_processor_id() : 0;

	return bpf_map_lookup_elem(&rings, &i);
}

static __always_inline bool port_match(__u16 sp, __u16 dp)
{
#pragma unroll
	for (int i = 0; i < DT_MAX_PORTS; i++) {
		if (i >= dt_n_ports)
			break;
		if (sp == dt_ports_be[i] || dp == dt_ports_be[i])
			return true;
	}
	return false;
}

/*
 * Whether the current task sent this egress packet from its socket `net`.
 * The xmit path of UDP, and of TCP data/SYN/FIN written by sendmsg, connect
 * or close, runs in the sender's context. Not the sender: a kernel thread
 * (ksoftirqd, workers), or a task of another netns (a veth delivers in the
 * peer's context, so the server's SYN-ACK goes out "in" the client). Not
 * caught: a softirq that interrupted an unrelated task of the same netns
 * (__preempt_count, which would tell, is not in kallsyms without
 * CONFIG_KALLSYMS_ALL).
 */
static __always_inline bool sent_by_current(const struct net *net)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (t->flags & PF_KTHREAD_)
		return false;
	return t->nsproxy->net_ns == net; /* nsproxy NULL (exiting): the load reads 0 */
}

static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* The flags of a ring write of n records (packets or process events). */
static __always_inline __u64 wake_flags(struct dt_cpu_counters *c, __u64 now, __u32 n)
{
	c->unwoken += n;
	if (c->unwoken >= dt_wakeup_batch || now - c->last_wake_ns >= dt_wakeup_ns) {
		c->unwoken = 0;
		c->last_wake_ns = now;
		c->wakeups++;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/*
 * The payload into the record. A linear one (nearly all UDP): up to 128
 * bytes (a typical query or answer) as whole words with plain loads, no call
 * at all; a longer one with one bpf_probe_read_kernel(). Only a payload that
 * sits in page fragments too takes the skb dynptr, whose two calls cost a
 * DNS packet more than the copy itself on a host with return-thunk
 * mitigations (docs/performance-history.md, fourteenth pass).
 */
static __always_inline long copy_payload(__u8 *dst, __u64 n, struct sk_buff *skb,
					 const struct pktinfo *pi, const __u32 room)
{
	struct bpf_dynptr skbp;

	if (!(pi->flags & DT_EV_NONLINEAR)) {
		const __u8 *src = skb->data + pi->pay_off;

		if (room > 128)
			return bpf_probe_read_kernel(dst, n, src);
		/* whole words, no call (a fault reads 0) */
#pragma unroll
		for (int i = 0; i < room / 8; i++) {
			if (i * 8 + 8 > n)
				break;
			*(__u64 *)(dst + i * 8) = dt_ld64(src + i * 8);
		}
		/* then the word that ends with the payload's last byte, over
		 * the one before it: a word read past the end would touch the
		 * line after the packet, which nothing wrote lately, and cost a
		 * miss on every packet whose end sits near one (eighteenth pass) */
		if (n & 7) {
			if (n < 8) { /* shorter than a word: no DNS header; byte by byte */
				for (int i = 0; i < 7; i++) {
					if (i >= n)
						break;
					dst[i] = src[i];
				}
				return 0;
			}
			*(__u64 *)(dst + n - 8) = dt_ld64(src + n - 8);
		}
		return 0;
	}
	if (bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &skbp))
		return -1;
	return bpf_dynptr_read(dst, n, &skbp, pi->pay_off, 0);
}

/* ---- batches (see `stages`) ---- */

static int stage_timer_fired(void *map, __u32 *key, struct dt_stage *st);

/* Writes what st gathered to ring as one batch record, and empties it. The
 * order of the last three writes is the reader's (dt_ring_merge()): the
 * record is in the ring before the generation moves, and the generation
 * moves before the stamp of the oldest staged packet changes. */
static __always_inline void stage_flush(struct dt_stage *st, void *ring, struct dt_cpu_counters *c,
					__u64 now)
{
	struct dt_ev_hdr *h = (struct dt_ev_hdr *)st->buf;
	__u64 len = st->len;
	__u32 n = st->n;

	if (!n)
		return;
	asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(len) : "i"(DT_BATCH_BYTES));
	h->type = DT_EV_BATCH;
	h->size = len;
	h->ts_ns = c->staged_ts;
	if (bpf_ringbuf_output(ring, st->buf, len, wake_flags(c, now, n))) {
		__sync_fetch_and_add(&c->drops, n);
		c->emitted -= n;
	} else {
		c->batches++;
	}
	/* exchanges: full barriers, so no CPU reorders the two stores */
	__atomic_exchange_n(&c->staged_gen, c->staged_gen + 1, __ATOMIC_SEQ_CST);
	__atomic_exchange_n(&c->staged_ts, 0, __ATOMIC_SEQ_CST);
	st->len = 0;
	st->n = 0;
}

/* The timer of a CPU's stage is set at its batch's first packet, unless it
 * already is. If it cannot be set (a kernel before 6.7 knows no
 * BPF_F_TIMER_CPU_PIN), the batch is written at once, and from then on every
 * record alone: a timer firing on another CPU would race with this one. */
static __always_inline void stage_arm(struct dt_stage *st)
{
	if (st->armed)
		return;
	if (!st->timer_ok) {
		bpf_timer_init(&st->timer, &stages, 1 /* CLOCK_MONOTONIC */);
		bpf_timer_set_callback(&st->timer, stage_timer_fired);
		st->timer_ok = 1;
	}
	if (!bpf_timer_start(&st->timer, dt_stage_ns, BPF_F_TIMER_CPU_PIN))
		st->armed = 1;
	else
		timer_broken = 1;
}

/* Where a record of up to `size` bytes goes: after what st gathered, or at
 * the start of a new batch (the current one written out first when the
 * record would not fit). */
static __always_inline struct dt_ev_pkt *stage_slot(struct dt_stage *st, void *ring,
						    struct dt_cpu_counters *c, const __u32 size,
						    __u64 now)
{
	__u32 off = st->len;

	if (off > DT_BATCH_BYTES - size) {
		stage_flush(st, ring, c, now);
		off = 0;
	}
	if (off < sizeof(struct dt_ev_hdr)) {
		off = sizeof(struct dt_ev_hdr);
		st->len = off;
		*(volatile __u64 *)&c->staged_ts = now; /* before the packet can cause another */
		stage_arm(st);
	}
	return (struct dt_ev_pkt *)(st->buf + off);
}

/* The record at the end of st's batch is complete. */
static __always_inline void stage_commit(struct dt_stage *st, void *ring, struct dt_cpu_counters *c,
					 __u32 size, __u64 now)
{
	st->len += (size + 7) & ~7u;
	if (++st->n >= dt_stage_msgs || !st->armed || now - c->staged_ts >= dt_stage_ns)
		stage_flush(st, ring, c, now);
}

/* Fires on the CPU that set it (or, after that CPU went offline, on another:
 * the key says whose stage it is). */
static int stage_timer_fired(void *map, __u32 *key, struct dt_stage *st)
{
	__u32 cpu = *key, slot = dt_ring_per_cpu ? *key : 0;
	struct dt_cpu_counters *c = bpf_map_lookup_elem(&counters, &cpu);
	void *ring = bpf_map_lookup_elem(&rings, &slot);

	st->armed = 0;
	if (!c || !ring || !st->n)
		return 0;
	if (st->busy) { /* not expected: every writer runs with bottom halves off */
		if (!bpf_timer_start(&st->timer, dt_stage_ns, BPF_F_TIMER_CPU_PIN))
			st->armed = 1;
		return 0;
	}
	st->busy = 1;
	stage_flush(st, ring, c, bpf_ktime_get_ns());
	c->timer_flushes++;
	st->busy = 0;
	return 0;
}

/*
 * Fill a record of a constant size class and copy the payload: into this
 * CPU's batch, or, with batches off or this CPU's stage busy, into a scratch
 * entry from which it goes to the ring alone.
 */
static __always_inline int emit_class(struct pktinfo *pi, struct dt_cpu_counters *c,
				      struct sk_buff *skb, const __u32 size)
{
	__u32 cpu = bpf_get_smp_processor_id(), key = cpu;
	struct dt_ev_pkt *rec;
	struct dt_stage *st;
	__u64 n = pi->cap;
	__u64 now = pi->now; /* read before the record is placed: see dt_ring_merge() */
	void *ring = cpu_ring();
	bool batch;

	st = bpf_map_lookup_elem(&stages, &key);
	if (!ring || !st) {
		__sync_fetch_and_add(&c->drops, 1);
		return 0;
	}
	batch = dt_stage_msgs && c->batch_ok && !timer_broken && !st->busy;
	if (st->busy) {
		__u32 slot = dt_proc_slot;

		c->nested++;
		key = dt_nr_cpus + cpu;
		st = bpf_map_lookup_elem(&stages, &key);
		/* not ahead of older packets in this CPU's batch: in the ring
		 * of process events, whose records are in the order they were
		 * reserved, like a shared ring's */
		if (slot != 0xffffffff)
			ring = bpf_map_lookup_elem(&rings, &slot);
		if (!st || !ring) {
			__sync_fetch_and_add(&c->drops, 1);
			return 0;
		}
	}
	st->busy = 1;
	rec = batch ? stage_slot(st, ring, c, size, now) : (struct dt_ev_pkt *)st->buf;
	/* clamp in one register, in a form the verifier tracks */
	asm volatile("if %0 <= %1 goto +1; %0 = %1" : "+r"(n) : "i"(size - sizeof(*rec)));

	rec->hdr.type = DT_EV_PKT;
	rec->hdr.ts_ns = now;
	if (pi->sender) {
		/* what bpf_get_current_{pid_tgid,uid_gid,cgroup_id,comm}() return,
		 * read straight from the task: loads instead of four calls (uid
		 * and gid as seen from the initial user namespace, where the
		 * kernel's ids are the numbers themselves) */
		struct task_struct *t = bpf_get_current_task_btf();
		const struct cred *cr = t->cred;

		rec->pid = t->tgid;
		rec->tid = t->pid;
		rec->uid = cr->uid.val;
		rec->gid = cr->gid.val;
		rec->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
		*(__u64 *)&rec->comm[0] = *(const __u64 *)&t->comm[0];
		*(__u64 *)&rec->comm[8] = *(const __u64 *)&t->comm[8];
		pi->flags |= DT_EV_HAS_PROCESS;
	} else {
		rec->pid = rec->tid = rec->uid = rec->gid = 0;
		rec->cgroup_id = 0;
		__builtin_memset(rec->comm, 0, sizeof(rec->comm));
	}
	rec->netns = pi->netns;
	rec->ifindex = pi->ifindex;
	__builtin_memcpy(rec->saddr, pi->saddr, 16);
	__builtin_memcpy(rec->daddr, pi->daddr, 16);
	rec->sport = bpf_ntohs(pi->sport);
	rec->dport = bpf_ntohs(pi->dport);
	rec->direction = pi->dir;
	rec->family = pi->family;
	rec->transport = pi->transport;
	rec->tcp_flags = pi->tcp_flags;
	rec->flags = pi->flags;
	rec->tcp_seq = pi->tcp_seq;
	rec->orig_len = pi->orig_len;
	rec->cap_len = n;
	rec->pad = 0;
	rec->frag_id = pi->frag_id;
	rec->frag_off = pi->frag_off;
	rec->frag_len = pi->frag_len;
	if (n && copy_payload(rec->payload, n, skb, pi, size - sizeof(*rec)) < 0) {
		n = 0;
		rec->cap_len = 0;
		rec->flags |= DT_EV_TRUNCATED;
	}
	rec->hdr.size = sizeof(*rec) + n;
	c->emitted++; /* taken back if the ring has no room (stage_flush()) */
	if (batch) {
		stage_commit(st, ring, c, sizeof(*rec) + n, now);
	} else if (bpf_ringbuf_output(ring, rec, sizeof(*rec) + n, wake_flags(c, now, 1))) {
		__sync_fetch_and_add(&c->drops, 1);
		c->emitted--;
	}
	st->busy = 0;
	return 0;
}

/*
 * A global function is verified once, on its own, instead of once per path
 * through the header parser: keeps the load time of the net programs short.
 */
__noinline int dt_emit(void *ctx __arg_ctx, struct pktinfo *pi)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	struct dt_cpu_counters *c = cpu_counters();
	__u32 cap;

	if (!pi || !c)
		return 0;
	cap = pi->cap;
	/* size classes keep a 60-byte query from taking a 4 KiB slot */
	if (cap <= 256 - sizeof(struct dt_ev_pkt))
		return emit_class(pi, c, skb, 256);
	if (cap <= 512 - sizeof(struct dt_ev_pkt))
		return emit_class(pi, c, skb, 512);
	if (cap <= 1024 - sizeof(struct dt_ev_pkt))
		return emit_class(pi, c, skb, 1024);
	if (cap <= 1536 - sizeof(struct dt_ev_pkt))
		return emit_class(pi, c, skb, 1536);
	if (cap <= 2048 - sizeof(struct dt_ev_pkt))
		return emit_class(pi, c, skb, 2048);
	return emit_class(pi, c, skb, sizeof(struct dt_ev_pkt) + DT_SNAPLEN_MAX);
}

static __always_inline void count_dup(void)
{
	struct dt_cpu_counters *c = cpu_counters();

	if (c)
		c->skipped_dup++;
}

static __always_inline __u32 ld32(const __u8 *p)
{
	return *(const __u32 *)p;
}

/* Identity of a fragmented datagram: family, addresses, IP id (never 0). */
static __always_inline __u64 frag_key(const struct pktinfo *pi, __u32 id)
{
	const __u64 *a = (const __u64 *)pi->saddr, *b = (const __u64 *)pi->daddr;
	__u64 key = mix(mix(mix(mix(0x3c6ef372, a[0]), a[1]), b[0]), b[1]);

	return mix(key, (__u64)pi->family << 32 | id) | 1;
}

/* A later IP fragment, its headers parsed (in place by dt_frag, or from a
 * copy by dt_parse_copy): what dt_frag_record needs of them. */
struct frag_in {
	__u8 saddr[16], daddr[16];
	__u32 nh;     /* the IP header, from skb->head */
	__u32 l3len;  /* IP header and extension headers: the fragment's data follows */
	__u32 ip_len; /* from the header; 0 if unknown */
	__u32 id;     /* as frag_ident() */
	__u16 off_more;
	__u8 family, dir;
};

/* A fragment's addresses, from its IP header at ip (in the skb or a copy). */
static __always_inline void frag_addrs(struct frag_in *f, const __u8 *ip)
{
	if (f->family == 4) {
		__builtin_memset(f->saddr, 0, 16);
		__builtin_memset(f->daddr, 0, 16);
		*(__u32 *)f->saddr = ld32(ip + 12);
		*(__u32 *)f->daddr = ld32(ip + 16);
	} else {
		*(__u64 *)&f->saddr[0] = *(const __u64 *)(ip + 8);
		*(__u64 *)&f->saddr[8] = *(const __u64 *)(ip + 16);
		*(__u64 *)&f->daddr[0] = *(const __u64 *)(ip + 24);
		*(__u64 *)&f->daddr[8] = *(const __u64 *)(ip + 32);
	}
}

/* Repeat-check key of a whole packet: independent multiplies (they run in
 * parallel) folded by one mix instead of a chain of six; never 0 (empty). */
static __always_inline __u64 dup_key(const struct pktinfo *pi, __u32 wire, __u32 tag)
{
	const __u64 *a = (const __u64 *)pi->saddr, *b = (const __u64 *)pi->daddr;
	__u64 p = (__u64)pi->sport << 48 | (__u64)pi->dport << 32 | (__u64)pi->transport << 24;
	__u64 h = a[0] * 0x9E3779B97F4A7C15ull + a[1] * 0xC2B2AE3D27D4EB4Full +
		  b[0] * 0x165667B19E3779F9ull + b[1] * 0xD6E8FEB86659FD93ull +
		  p * 0xFF51AFD7ED558CCDull + ((__u64)wire << 32 | tag) * 0xC4CEB9FE1A85EC53ull;

	return mix(h, h >> 32) | 1;
}

/* An IPv6 Fragment header's identification; *off_more: its offset in bytes |
 * its more-fragments bit (0: an atomic fragment, RFC 6946, a whole packet). */
static __always_inline __u32 frag6_ident(const __u8 *fh, __u16 *off_more)
{
	*off_more = ((fh[2] << 8 | fh[3]) & 0xfff8) | (fh[3] & 1);
	return (__u32)fh[4] << 24 | (__u32)fh[5] << 16 | (__u32)fh[6] << 8 | fh[7];
}

/* IP id, offset in bytes | more-fragments bit, of a v4 header or v6 Fragment header. */
static __always_inline __u32 frag_ident(const __u8 *ip, const struct dt_l3 *l3, __u8 family,
					__u16 *off_more)
{
	if (family == 4) {
		*off_more = (((ip[6] & 0x1f) << 8 | ip[7]) << 3) | !!(ip[6] & 0x20);
		return ip[4] << 8 | ip[5];
	}
	return frag6_ident(ip + l3->frag_hdr, off_more);
}

/*
 * Where the IP header starts, from skb->head. At egress the IP stack has set
 * skb->network_header. At ingress the kernel sets it only after this
 * tracepoint (skb_reset_network_header() in __netif_receive_skb_core());
 * until then it holds what the driver left (GRO sets it; a packet that skips
 * GRO keeps the driver's, 0 for a fresh skb), while skb->data is at the IP
 * header already.
 */
static __always_inline __u32 l3_off(const struct sk_buff *skb, __u32 dir)
{
	return dir ? (__u32)((const unsigned char *)skb->data - skb->head) : skb->network_header;
}

/*
 * A later IP fragment (no transport header): recorded only if the first
 * fragment of its datagram was, under the same exactly-once rules. A global
 * function: the common path keeps its registers, and it is verified once
 * for both of its callers.
 */
__noinline int dt_frag_record(void *ctx __arg_ctx, struct frag_in *f)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	const __u8 *head = skb->head;
	__u32 data_off = (const unsigned char *)skb->data - head;
	__u32 len = skb->len;
	__u32 linear_end = data_off + len - skb->data_len;
	struct pktinfo pi;
	__u8 dir;

	if (!f)
		return 0;
	dir = f->dir ? 1 : 0;
	barrier_var(dir); /* one value: the checks of sk below hold on every path */
	pi.family = f->family;
	__builtin_memcpy(pi.saddr, f->saddr, 16);
	__builtin_memcpy(pi.daddr, f->daddr, 16);

	__u64 key = frag_key(&pi, f->id);
	struct sent_slot *fs = &frag_seen[key & (FRAG_SLOTS - 1)];
	__u64 now = bpf_ktime_get_ns();

	if (fs->key != key || now - fs->ts >= FRAG_WINDOW_NS) {
		/* not a datagram we recorded the start of (yet) */
		struct sent_slot *fe = &frag_early[key & (FRAG_SLOTS - 1)];

		fe->key = key;
		fe->ts = now;
		return 0;
	}

	struct net_device *dev = skb->dev;

	if (!dev)
		return 0;
	pi.sender = 0;
	if (dir == 0) {
		struct sock *sk = skb->sk;

		if (!sk)
			return 0;
		struct net *net = sk->__sk_common.skc_net.net;

		if (net != dev->nd_net.net) {
			count_dup();
			return 0;
		}
		pi.sender = sent_by_current(net);
	} else if (dev->flags & IFF_LOOPBACK_) {
		count_dup();
		return 0;
	}

	__u32 pay_off = f->nh + f->l3len;
	__u32 before = pay_off - data_off;
	__u32 wire = len > before ? len - before : 0;

	if (f->ip_len) {
		__u32 by_ip = f->ip_len > f->l3len ? f->ip_len - f->l3len : 0;

		if (by_ip < wire)
			wire = by_ip;
	}
	/* the same repeat check as a whole packet, keyed by datagram and offset */
	{
		__u64 dkey = mix(key, (__u64)f->off_more << 32 | wire) | 1;
		struct sent_slot *slot = &sent[dkey & (SENT_SLOTS - 1)];

		if (dir == 1) {
			if (slot->key == dkey && now - slot->ts < DUP_WINDOW_NS) {
				count_dup();
				return 0;
			}
		} else {
			slot->key = dkey;
			slot->ts = now;
		}
	}

	__u32 lin = linear_end > pay_off ? linear_end - pay_off : 0;
	__u32 snap = dt_snaplen < DT_SNAPLEN_MAX ? dt_snaplen : DT_SNAPLEN_MAX;

	pi.now = now;
	pi.transport = IPPROTO_UDP_;
	pi.sport = pi.dport = 0;
	pi.tcp_flags = 0;
	pi.tcp_seq = 0;
	pi.flags = DT_EV_FRAGMENT;
	if (lin < wire)
		pi.flags |= DT_EV_NONLINEAR;
	pi.netns = dev->nd_net.net->ns.inum;
	pi.ifindex = dev->ifindex;
	pi.pay_off = before;
	pi.dir = dir;
	pi.cap = wire < snap ? wire : snap;
	pi.orig_len = wire;
	if (pi.cap < wire)
		pi.flags |= DT_EV_TRUNCATED;
	pi.frag_id = f->id;
	pi.frag_off = f->off_more;
	pi.frag_len = wire;
	pi.nh = f->nh;
	return dt_emit(ctx, &pi);
}

/* A later IP fragment whose headers are in the linear area: parsed in place. */
__noinline int dt_frag(void *ctx __arg_ctx, __u32 dir, __u32 nh, __u32 proto)
{
	bool v4 = proto == bpf_htons(ETH_P_IP);
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	const __u8 *ip = skb->head + nh;
	struct dt_l3 l3;
	struct frag_in f;
	int rc;

	rc = v4 ? dt_parse_ipv4(ip, &l3) : dt_parse_ipv6(ip, &l3);
	if (rc != DT_PARSE_FRAGMENT || l3.transport != IPPROTO_UDP_)
		return 0;
	f.family = v4 ? 4 : 6;
	frag_addrs(&f, ip);
	f.id = frag_ident(ip, &l3, f.family, &f.off_more);
	f.nh = nh;
	f.l3len = l3.l3len;
	f.ip_len = l3.ip_len;
	f.dir = dir;
	return dt_frag_record(ctx, &f);
}

/* Marks a first fragment's record and leaves its datagram's identity in
 * frag_seen for the later fragments (dt_frag_record); or, when one of them
 * went by before it, says so and lets the rest go by too. */
static __always_inline void note_first_frag(struct pktinfo *pi, __u32 id, __u16 off_more,
					    __u32 frag_len)
{
	__u64 key = frag_key(pi, id);
	struct sent_slot *fs = &frag_seen[key & (FRAG_SLOTS - 1)];
	struct sent_slot *fe = &frag_early[key & (FRAG_SLOTS - 1)];

	if (fe->key == key && pi->now - fe->ts < FRAG_EARLY_NS) {
		fe->key = 0;
		pi->flags |= DT_EV_FRAG_MISSED;
	} else {
		fs->key = key;
		fs->ts = pi->now;
	}
	pi->flags |= DT_EV_FRAGMENT;
	pi->frag_id = id;
	pi->frag_off = off_more;
	pi->frag_len = frag_len;
}

/* The first fragment of a DNS-port datagram, about to be recorded: its
 * identity goes into frag_seen for the later fragments. Global, as dt_frag. */
__noinline int dt_first_frag(void *ctx __arg_ctx, struct pktinfo *pi, __u32 frag_len)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	struct dt_l3 l3 = {};
	__u16 off_more;
	__u32 id;

	if (!pi)
		return 0;

	const __u8 *ip = skb->head + pi->nh;

	if (pi->family == 4 ? !(ip[6] & 0x20) : dt_parse_ipv6(ip, &l3) || !l3.frag_hdr)
		return 0; /* IPv6: extension headers, but no Fragment header */
	id = frag_ident(ip, &l3, pi->family, &off_more);
	note_first_frag(pi, id, off_more, frag_len);
	return 0;
}

/*
 * Where a DNS-port packet's headers are: ip and l4 point at the IP and
 * transport headers (the packet's own bytes, or a copy of them when they
 * were not in the linear area), the offsets place them in the skb.
 */
struct hdrs {
	const __u8 *ip, *l4;
	__u64 w1;  /* IP header bytes 8-15 */
	__u64 l4w; /* transport header bytes 0-7 */
	__u32 nh, data_off, len, linear_end;
	__u32 l3len, ip_len;
	__u8 transport, family;
	__u8 in_place; /* ip points into the skb: dt_first_frag reads it there */
	__u16 frag_off_more; /* else: a first fragment's, as frag_ident() (0: none) */
	__u32 frag_id;
};

/* A packet to or from a watched port, its headers found: the exactly-once
 * checks that cost more, then the record(s). */
static __always_inline int record_dns_port(void *ctx, struct sk_buff *skb, __u8 dir,
					   struct sock *sk, const struct hdrs *hd)
{
	const __u8 *ip = hd->ip, *l4 = hd->l4;
	__u64 w1 = hd->w1, l4w = hd->l4w;
	__u32 nh = hd->nh, data_off = hd->data_off, len = hd->len, linear_end = hd->linear_end;
	__u32 l3len = hd->l3len, ip_len = hd->ip_len, l4hlen;
	__u8 transport = hd->transport;
	struct pktinfo pi;

	pi.family = hd->family;
	pi.nh = nh;

	/* a DNS-port packet: now the exactly-once checks that cost more */
	struct net_device *dev = skb->dev;

	if (!dev)
		return 0;
	/* UDP: the DNS id and flags (linear in practice; a fault reads 0) */
	__u32 dns_tag = transport == IPPROTO_UDP_ ? dt_ld32(l4 + 8) : 0;

	pi.sender = 0;
	if (dir == 0) {
		struct net *net = sk->__sk_common.skc_net.net;

		if (net != dev->nd_net.net) {
			count_dup();
			return 0; /* bridged/routed on in another netns */
		}
		/* a UDP response (QR set) goes without its sender's identity:
		 * userspace takes a transaction's process from the query */
		pi.sender = !(dns_tag & 0x800000) && sent_by_current(net);
	} else if (dev->flags & IFF_LOOPBACK_) {
		count_dup();
		return 0;
	}

	pi.transport = transport;
	pi.sport = (__u16)l4w;
	pi.dport = (__u16)(l4w >> 16);
	pi.tcp_flags = 0;
	pi.tcp_seq = 0;
	pi.frag_id = 0;
	pi.frag_off = 0;
	pi.frag_len = 0;
	if (transport == IPPROTO_TCP_) {
		__u64 t2 = dt_ld64(l4 + 8); /* ack, data offset, flags, window */

		l4hlen = (DT_B(t2, 4) >> 4) * 4;
		if (l4hlen < 20)
			return 0;
		pi.tcp_flags = DT_B(t2, 5) & 0x07;
		pi.tcp_seq = bpf_ntohl((__u32)(l4w >> 32));
	} else {
		l4hlen = 8;
	}
	if (pi.family == 4) {
		*(__u64 *)&pi.saddr[0] = w1 >> 32; /* bytes 12-15 of the header */
		*(__u64 *)&pi.saddr[8] = 0;
		*(__u64 *)&pi.daddr[0] = dt_ld32(ip + 16);
		*(__u64 *)&pi.daddr[8] = 0;
	} else {
		*(__u64 *)&pi.saddr[0] = *(const __u64 *)(ip + 8);
		*(__u64 *)&pi.saddr[8] = *(const __u64 *)(ip + 16);
		*(__u64 *)&pi.daddr[0] = *(const __u64 *)(ip + 24);
		*(__u64 *)&pi.daddr[8] = *(const __u64 *)(ip + 32);
	}

	/* payload bytes in this skb from skb->len (right with GSO), capped by
	 * the IP length (ingress may still carry Ethernet padding) */
	__u32 pay_off = nh + l3len + l4hlen;
	__u32 before = pay_off - data_off; /* bytes of skb->len before the payload */
	__u32 wire = len > before ? len - before : 0;

	if (ip_len) {
		__u32 by_ip = ip_len > l3len + l4hlen ? ip_len - l3len - l4hlen : 0;

		if (by_ip < wire)
			wire = by_ip;
	}
	/* orig: the message length as the sender meant it; a UDP datagram cut
	 * by IP fragmentation has fewer bytes here than its UDP length */
	__u32 orig = wire;

	if (transport == IPPROTO_UDP_) {
		__u32 ulen = DT_BE16(l4w, 4);

		if (ulen >= 8)
			orig = ulen - 8;
		if (orig < wire)
			wire = orig;
	} else if (!wire && !pi.tcp_flags) {
		return 0; /* a bare ACK */
	}

	/* an ingress copy of a packet a local socket sent (and we recorded).
	 * Every egress record leaves its key, not only a virtual device's: the
	 * store costs less than the cold net_device line (rtnl_link_ops) that
	 * would tell, and a key from a physical NIC is never looked up again. */
	__u64 now = bpf_ktime_get_ns();
	__u32 tag = transport == IPPROTO_UDP_ ? dns_tag : pi.tcp_seq;
	__u64 key = dup_key(&pi, wire, tag);
	struct sent_slot *slot = &sent[key & (SENT_SLOTS - 1)];

	pi.now = now;
	if (dir == 1) {
		if (slot->key == key && now - slot->ts < DUP_WINDOW_NS) {
			count_dup();
			return 0;
		}
	} else {
		slot->key = key;
		slot->ts = now;
	}

	/* NONLINEAR: some of the payload sits in page fragments, which
	 * copy_payload() then reads through an skb dynptr */
	__u32 lin = linear_end > pay_off ? linear_end - pay_off : 0;
	__u32 avail = wire;
	__u32 snap = dt_snaplen < DT_SNAPLEN_MAX ? dt_snaplen : DT_SNAPLEN_MAX;

	pi.flags = 0;
	if (lin < wire)
		pi.flags |= DT_EV_NONLINEAR;
	pi.netns = dev->nd_net.net->ns.inum;
	pi.ifindex = dev->ifindex;
	pi.pay_off = before; /* skb->data is the dynptr's offset 0 */
	pi.dir = dir;

	if (transport == IPPROTO_UDP_) {
		pi.cap = avail < snap ? avail : snap;
		pi.orig_len = orig;
		if (pi.cap < orig)
			pi.flags |= DT_EV_TRUNCATED;
		/* the first IP fragment: later ones are recorded if this one was */
		if (hd->in_place &&
		    ((pi.family == 4 && (ip[6] & 0x20)) || (pi.family == 6 && l3len > 40)))
			dt_first_frag(ctx, &pi, wire + 8);
		else if (!hd->in_place && hd->frag_off_more)
			note_first_frag(&pi, hd->frag_id, hd->frag_off_more, wire + 8);
		return dt_emit(ctx, &pi);
	}

	/* TCP: a GSO skb may carry up to 64 KiB; emit it as consecutive chunks
	 * of at most snaplen bytes, each with its own sequence number, so the
	 * ring slots stay small and reassembly sees no gap. SYN goes with the
	 * first chunk, FIN/RST with the last. */
	__u8 flags = pi.tcp_flags;
	__u32 off = 0;

	for (int i = 0; i < TCP_CHUNKS_MAX; i++) {
		__u32 left = avail - off;
		__u32 n = left < snap ? left : snap;
		bool last = off + n >= avail || i == TCP_CHUNKS_MAX - 1;

		pi.cap = n;
		pi.orig_len = last ? wire - off : n;
		pi.tcp_flags =
		    (i == 0 ? flags & DT_TCP_SYN_ : 0) | (last ? flags & ~DT_TCP_SYN_ : 0);
		if (last && pi.cap < pi.orig_len)
			pi.flags |= DT_EV_TRUNCATED;
		dt_emit(ctx, &pi);
		if (last)
			break;
		off += n;
		pi.pay_off += n;
		pi.tcp_seq += n;
	}
	return 0;
}

/*
 * dt_parse_ipv6_w()'s walk of IPv6 extension headers, each one's first 8
 * bytes copied in turn (it reads in place, past dt_parse_copy's copy). at:
 * the IPv6 header's offset from skb->data; next: its next header. Returns
 * the headers' length << 8 | the header after them; 0 when there is no TCP
 * or UDP (another protocol, too many headers, a packet cut short). A real
 * Fragment header (more fragments, or an offset) fills fr->id and
 * fr->off_more; at a later fragment the walk stops after it, as
 * dt_parse_ipv6_w()'s does. A function of its own: its result is one value
 * to the verifier, not one state per way through the loop.
 */
__noinline int dt_ipv6_ext_copy(void *ctx __arg_ctx, __u32 at, __u32 next, struct frag_in *fr)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	struct bpf_dynptr skbp;
	__u32 l3len = 40;

	if (!fr || bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &skbp))
		return 0;
	fr->off_more = 0;
	for (int i = 0; i < DT_IPV6_EXT_MAX; i++) {
		__u8 eh[8];

		if (next == IPPROTO_TCP_ || next == IPPROTO_UDP_)
			return (int)(l3len << 8 | next);
		if (dt_ipv6_not_ext(next))
			return 0;
		if (bpf_dynptr_read(eh, sizeof(eh), &skbp, at + l3len, 0))
			return 0; /* the packet ends inside its headers */
		if (next == 44) {
			__u16 off_more;
			__u32 id = frag6_ident(eh, &off_more);

			l3len += 8;
			if (off_more) {
				fr->off_more = off_more;
				fr->id = id;
			}
			if (off_more & 0xfff8)
				return (int)(l3len << 8 | eh[0]); /* a later fragment */
		} else {
			l3len += next == 51 ? (eh[1] + 2) * 4 : (eh[1] + 1) * 8;
		}
		next = eh[0];
	}
	return next == IPPROTO_TCP_ || next == IPPROTO_UDP_ ? (int)(l3len << 8 | next) : 0;
}

/*
 * The headers parsed from a copy, for the packets the common path cannot
 * read in place: those whose IP and transport headers are not (all) in the
 * skb's linear area (a NIC driver that builds the skb from page fragments
 * leaves them there until ip_rcv() pulls them, when GRO is off), and VLAN
 * frames (dt_vlan). nh: the IP header's offset from skb->head; proto: its
 * EtherType. The headers are copied out through the skb dynptr: IPv4 with
 * options, IPv6 with extension headers, IP fragments (a first one is
 * recorded as a whole packet, a later one by dt_frag_record). What it cannot
 * read is counted in hdr_nonlinear (kernel_unparsed). A global function:
 * the common path neither pays for it nor verifies it twice.
 */
__noinline int dt_parse_copy(void *ctx __arg_ctx, __u32 direction, __u32 nh, __u32 proto)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	struct sock *sk = skb->sk;
	/* a global's argument is any u32 to the verifier: one value, computed
	 * once, so that its checks of sk below hold on every path */
	__u8 dir = direction ? 1 : 0;

	barrier_var(dir);
	const unsigned char *head = skb->head;
	__u32 data_off = (const unsigned char *)skb->data - head;
	__u32 len = skb->len;
	__u64 ipb[6], l4b[2]; /* up to 40 (IPv4) or 48 (IPv6) bytes from the IP header, 16 of L4 */
	struct bpf_dynptr skbp;
	struct frag_in fr;
	struct dt_l3 l3;
	__u32 at, fixed, n;
	bool v4;
	int rc;

	if (dir == 0 ? !sk : !!sk)
		return 0; /* handle_egress()/handle_ingress() checked; again for the verifier */
	if (nh < data_off || nh - data_off >= len)
		goto unparsed;
	/* One copy of the IP header; the ports of a fixed-size one are in it
	 * too, so a packet without a watched port ends after one read. A later
	 * fragment may be as short as its IP header and one byte. */
	at = nh - data_off; /* the dynptr's offset 0 is skb->data */
	v4 = proto == bpf_htons(ETH_P_IP);
	n = len - at;
	if (n < (v4 ? 21 : 41) || bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &skbp))
		return 0;
	/* constant sizes: the verifier does not follow a clamped length */
	if (n >= (v4 ? 40 : 48))
		rc = v4 ? bpf_dynptr_read(ipb, 40, &skbp, at, 0) : bpf_dynptr_read(ipb, 48, &skbp, at, 0);
	else { /* the fixed header: all a short later fragment needs; no ports */
		ipb[2] = ipb[5] = 0;
		rc = v4 ? bpf_dynptr_read(ipb, 20, &skbp, at, 0) : bpf_dynptr_read(ipb, 40, &skbp, at, 0);
	}
	if (rc)
		goto unparsed;
	fixed = dt_fixed_l4_off(v4, ipb[0]);
	if (fixed) {
		__u32 ports = fixed == 20 ? (__u32)(ipb[2] >> 32) : (__u32)ipb[5];

		if (!port_match((__u16)ports, (__u16)(ports >> 16)))
			return 0;
	}
	fr.off_more = 0;
	fr.id = 0;
	if (v4) {
		rc = dt_parse_ipv4_w(ipb[0], ipb[1], &l3);

		if (rc == DT_PARSE_NOT_L4 || rc == DT_PARSE_MALFORMED)
			return 0;
		if (rc == DT_PARSE_FRAGMENT || DT_B(ipb[0], 6) & 0x20)
			fr.id = frag_ident((const __u8 *)ipb, &l3, 4, &fr.off_more);
		if (rc == DT_PARSE_FRAGMENT)
			goto later_fragment;
	} else {
		__u8 next = DT_B(ipb[0], 6);
		__u32 plen = DT_BE16(ipb[0], 4);

		l3.l3len = 40;
		l3.ip_len = plen ? plen + 40 : 0;
		if (next != IPPROTO_TCP_ && next != IPPROTO_UDP_) {
			int ext = dt_ipv6_ext_copy(ctx, at, next, &fr);

			if (ext <= 0)
				return 0;
			l3.l3len = (__u32)ext >> 8;
			next = (__u8)ext;
		}
		l3.transport = next;
		if (fr.off_more & 0xfff8)
			goto later_fragment;
	}
	at += l3.l3len;
	if (len < at || len - at < sizeof(l4b))
		return 0; /* no room for a DNS header (TCP: 20 bytes alone) */
	if (bpf_dynptr_read(l4b, sizeof(l4b), &skbp, at, 0))
		goto unparsed;
	if (!port_match((__u16)l4b[0], (__u16)(l4b[0] >> 16)))
		return 0;

	struct hdrs hd = {
	    .ip = (const __u8 *)ipb, .l4 = (const __u8 *)l4b, .w1 = ipb[1], .l4w = l4b[0],
	    .nh = nh, .data_off = data_off, .len = len,
	    .linear_end = data_off + len - skb->data_len,
	    .l3len = l3.l3len, .ip_len = l3.ip_len, .transport = l3.transport,
	    .family = v4 ? 4 : 6, .frag_id = fr.id, .frag_off_more = fr.off_more,
	};

	return record_dns_port(ctx, skb, dir, sk, &hd);
later_fragment:
	if (l3.transport != IPPROTO_UDP_)
		return 0;
	fr.family = v4 ? 4 : 6;
	frag_addrs(&fr, (const __u8 *)ipb);
	fr.nh = nh;
	fr.l3len = l3.l3len;
	fr.ip_len = l3.ip_len;
	fr.dir = dir;
	return dt_frag_record(ctx, &fr);
unparsed:
	{
		struct dt_cpu_counters *c = cpu_counters();

		if (c)
			c->hdr_nonlinear++;
	}
	return 0;
}

/*
 * The rest of handle_l3() for a packet its first look did not turn away: the
 * IP header parsed in full, the ports checked (again, when the first look
 * did), and a DNS-port packet recorded. A global function, with a frame of
 * its own: the packet programs' frames stay below the 64 bytes from which
 * the kernel (6.13 on) gives a tracing program's frame a per-CPU private
 * stack. That memory sits in 4 KiB pages the TLB has lost after each return
 * to user space where page-table isolation runs without PCID (this VM): a
 * page walk at every packet, non-DNS ones too, for the spills of code they
 * never reach.
 */
__noinline int dt_l3(void *ctx __arg_ctx, __u32 direction, __u32 proto, __u32 nh)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	struct sock *sk = skb->sk;
	/* as in dt_parse_copy(): one value, so its check of sk holds on every path */
	__u8 dir = direction ? 1 : 0;

	barrier_var(dir);
	const __u8 *head = skb->head, *ip = head + nh, *l4;
	__u32 data_off = (const unsigned char *)skb->data - head;
	__u32 len = skb->len, data_len = skb->data_len;
	__u32 linear_end = data_off + len - data_len;
	__u32 l3len, ip_len;
	__u8 transport;
	struct dt_l3 l3;
	__u64 w0 = dt_ld64(ip), w1 = 0, l4w;
	int bad;

	if (dir == 0 ? !sk : !!sk)
		return 0; /* handle_egress()/handle_ingress() checked; again for the verifier */
	if (proto == bpf_htons(ETH_P_IP)) {
		w1 = dt_ld64(ip + 8);
		bad = dt_parse_ipv4_w(w0, w1, &l3);
	} else {
		bad = dt_parse_ipv6_w(ip, w0, &l3);
	}
	if (bad == DT_PARSE_FRAGMENT)
		return dt_frag(ctx, dir, nh, proto);
	if (bad)
		return 0;
	l3len = l3.l3len;
	ip_len = l3.ip_len;
	transport = l3.transport;
	l4 = ip + l3len;
	l4w = dt_ld64(l4);
	if (!port_match((__u16)l4w, (__u16)(l4w >> 16)))
		return 0;
	struct hdrs hd = {
	    .ip = ip, .l4 = l4, .w1 = w1, .l4w = l4w,
	    .nh = nh, .data_off = data_off, .len = len, .linear_end = linear_end,
	    .l3len = l3len, .ip_len = ip_len, .transport = transport,
	    .family = proto == bpf_htons(ETH_P_IP) ? 4 : 6, .in_place = 1,
	};

	return record_dns_port(ctx, skb, dir, sk, &hd);
}

/*
 * An IPv4 (proto ETH_P_IP) or IPv6 packet whose IP header is at nh (from
 * skb->head), past the checks that need no packet bytes. Packet bytes are
 * read with plain loads through skb->head: on this kernel the verifier types
 * it as untrusted memory and the JIT makes every load an exception-handled
 * one (a fault reads 0), about a nanosecond each instead of a
 * bpf_probe_read_kernel() call per header.
 */
static __always_inline int handle_l3(void *ctx, struct sk_buff *skb, __u8 dir, __u16 proto,
				     __u32 nh)
{
	const __u8 *head = skb->head, *ip = head + nh;

	/* headers outside the linear area (a driver that builds the skb from
	 * page fragments, GRO off): read through a copy, off the common path */
	__u32 data_off = (const unsigned char *)skb->data - head;
	__u32 linear_end = data_off + skb->len - skb->data_len;

	if (linear_end < nh + 28)
		return dt_parse_copy(ctx, dir, nh, proto);

	/* Most packets of a host end here, in a few cache lines of code and
	 * no stack: under a load with a large kernel path (TCP) the program's
	 * code is evicted between packets, and each line it runs through is a
	 * miss. The IP header's first 8 bytes, then (no IPv4 options, no IPv6
	 * extension header) the ports. */
	__u64 w0 = dt_ld64(ip);
	__u32 fixed = dt_fixed_l4_off(proto == bpf_htons(ETH_P_IP), w0);

	if (fixed) {
		__u32 ports = dt_ld32(ip + fixed);

		if (!port_match((__u16)ports, (__u16)(ports >> 16)))
			return 0;
	}
	return dt_l3(ctx, dir, proto, nh);
}

/*
 * At ingress, a frame whose 802.1Q/802.1ad tag the NIC did not strip (no
 * receive VLAN offload, as in virtio-net): netif_receive_skb fires once,
 * before __netif_receive_skb_core() untags it, with the tag at skb->data.
 * Reads past up to two tags and parses the rest from a copy (dt_parse_copy):
 * the common path keeps its code, and no second copy of it is verified.
 */
__noinline int dt_vlan(void *ctx __arg_ctx)
{
	struct sk_buff *skb = (struct sk_buff *)((__u64 *)ctx)[0];
	__u16 proto = skb->protocol;
	const unsigned char *head = skb->head;
	__u32 nh = l3_off(skb, 1); /* here, the first tag: skb->data */
	__u32 linear = skb->len - skb->data_len;
	__u32 tags[2]; /* each: TCI, then the EtherType it carries (network order) */
	__u16 inner;

	if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
		return 0; /* ARP and the like */
	if (linear >= sizeof(tags)) {
		tags[0] = dt_ld32(head + nh);
		tags[1] = dt_ld32(head + nh + 4);
	} else {
		/* the tags in a page fragment too (a driver that builds the
		 * skb from fragments, GRO off) */
		struct bpf_dynptr skbp;

		if (bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &skbp) ||
		    bpf_dynptr_read(tags, sizeof(tags), &skbp, 0, 0))
			return 0; /* shorter than two tags: no IP packet */
	}
	inner = (__u16)(tags[0] >> 16);
	if (inner == bpf_htons(ETH_P_8021Q) || inner == bpf_htons(ETH_P_8021AD)) {
		inner = (__u16)(tags[1] >> 16);
		nh += 4;
	}
	nh += 4;
	if (inner != bpf_htons(ETH_P_IP) && inner != bpf_htons(ETH_P_IPV6))
		return 0;
	return dt_parse_copy(ctx, 1, nh, inner);
}

/* Egress: a packet a local socket sends, from this netns. A tagged frame
 * here is the lower device's copy of what a VLAN device sent (recorded). */
static __always_inline int handle_egress(void *ctx, struct sk_buff *skb)
{
	__u16 proto = skb->protocol;
	struct sock *sk = skb->sk;

	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return 0;
	if (!sk)
		return 0; /* forwarded: seen where it was sent or received */
	return handle_l3(ctx, skb, 0, proto, l3_off(skb, 0));
}

/* Ingress. The IP case first: it stays a straight line of code (the early
 * exit of a non-DNS packet runs through as few cache lines as it can). */
static __always_inline int handle_ingress(void *ctx, struct sk_buff *skb)
{
	__u16 proto = skb->protocol;
	struct sock *sk = skb->sk;

	if (proto == bpf_htons(ETH_P_IP) || proto == bpf_htons(ETH_P_IPV6)) {
		if (sk)
			return 0; /* veth delivery of a local socket's packet */
		return handle_l3(ctx, skb, 1, proto, l3_off(skb, 1));
	}
	return dt_vlan(ctx); /* perhaps a VLAN tag the NIC left in the frame */
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(dt_net_dev_queue, struct sk_buff *skb)
{
	return handle_egress(ctx, skb);
}

/* Measurement floor for bpf_stats (not loaded unless asked): the cost of
 * an empty program on the same tracepoint, stats overhead included. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(dt_calibrate_empty, struct sk_buff *skb)
{
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(dt_netif_receive_skb, struct sk_buff *skb)
{
	return handle_ingress(ctx, skb);
}

/* ---- process lifecycle ---- */

/* A process record of `size` bytes with its header filled, or NULL (counted
 * as a drop) when the ring buffer is full. */
static __always_inline void *proc_reserve(struct dt_cpu_counters *c, __u32 size, __u32 type)
{
	__u64 now = bpf_ktime_get_ns(); /* before the reserve: see dt_ring_merge() */
	__u32 slot = dt_proc_slot;
	void *ring = slot != 0xffffffff ? bpf_map_lookup_elem(&rings, &slot) : cpu_ring();
	struct dt_ev_hdr *h = ring ? bpf_ringbuf_reserve(ring, size, 0) : NULL;

	if (!h) {
		__sync_fetch_and_add(&c->drops, 1);
		return NULL;
	}
	h->type = type;
	h->size = size;
	h->ts_ns = now;
	return h;
}

static __always_inline void proc_submit(void *rec, struct dt_cpu_counters *c)
{
	c->proc_events++;
	bpf_ringbuf_submit(rec, wake_flags(c, ((struct dt_ev_hdr *)rec)->ts_ns, 1));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(dt_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct dt_cpu_counters *c = cpu_counters();
	struct dt_ev_exec *e;
	__u64 ug;

	if (!c)
		return 0;
	e = proc_reserve(c, sizeof(*e), DT_EV_EXEC);
	if (!e)
		return 0;
	ug = bpf_get_current_uid_gid();
	e->pid = p->tgid;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)ug;
	e->gid = ug >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename)) < 0)
		e->exe[0] = 0;
	if (e->exe[0] != '/') {
		/* relative ("./dig"): userspace resolves it through /proc/PID/exe,
		 * which only works while the process lives: wake it now */
		c->proc_events++;
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
		return 0;
	}
	proc_submit(e, c);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(dt_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct dt_cpu_counters *c;
	struct dt_ev_fork *e;
	__u64 ug;

	if (child->pid != child->tgid)
		return 0; /* a new thread, not a new process */
	c = cpu_counters();
	if (!c)
		return 0;
	e = proc_reserve(c, sizeof(*e), DT_EV_FORK);
	if (!e)
		return 0;
	ug = bpf_get_current_uid_gid();
	e->pid = child->tgid;
	e->ppid = BPF_CORE_READ(child, real_parent, tgid);
	e->uid = (__u32)ug;
	e->gid = ug >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	BPF_CORE_READ_STR_INTO(&e->comm, child, comm);
	proc_submit(e, c);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(dt_sched_process_exit, struct task_struct *p, bool group_dead)
{
	struct dt_cpu_counters *c;
	struct dt_ev_exit *e;

	if (!group_dead)
		return 0; /* other threads live on */
	c = cpu_counters();
	if (!c)
		return 0;
	e = proc_reserve(c, sizeof(*e), DT_EV_EXIT);
	if (!e)
		return 0;
	e->pid = p->tgid;
	e->exit_code = p->exit_code;
	proc_submit(e, c);
	return 0;
}
