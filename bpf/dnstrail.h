/* SPDX-License-Identifier: MIT */
/*
 * Records the eBPF programs put in the ring buffer, shared by dnstrail.bpf.c
 * and the userspace input (forwarder/inputs/in_ebpf.c). Fixed-width fields
 * only; sizes are asserted so both compilers agree on the layout.
 *
 * Every record starts with struct dt_ev_hdr. Packet records are variable
 * sized: hdr.size = sizeof(struct dt_ev_pkt) + cap_len, while the ring slot
 * may be larger (the kernel side reserves in a few size classes).
 */
#ifndef DNSTRAIL_BPF_H
#define DNSTRAIL_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DT_MAX_PORTS 16 /* port filter entries */
#define DT_SNAPLEN_MIN 512
#define DT_SNAPLEN_MAX 4096 /* largest payload copied per packet */
#define DT_EXE_MAX 256
#define DT_COMM_LEN 16

enum dt_ev_type {
	DT_EV_PKT = 1,	/* a DNS-port packet */
	DT_EV_EXEC = 2, /* a process image was replaced */
	DT_EV_FORK = 3, /* a new process (not a thread) */
	DT_EV_EXIT = 4, /* the last thread of a process exited */
	DT_EV_BATCH = 5, /* packet records gathered on one CPU (below) */
};

struct dt_ev_hdr {
	__u32 type;  /* enum dt_ev_type */
	__u32 size;  /* meaningful bytes of this record, header included */
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* dt_ev_pkt.flags: the same bits as DT_PKT_* in forwarder/core/packet.h */
#define DT_EV_TRUNCATED (1u << 0)
#define DT_EV_NONLINEAR (1u << 1)
#define DT_EV_HAS_PROCESS (1u << 2) /* sent by the current task; never on UDP responses */
#define DT_EV_FRAGMENT (1u << 3) /* an IP fragment of a UDP datagram: frag_* valid */
/* on a first fragment: a later fragment of its datagram went by before it,
 * unrecorded (nothing told it was DNS), so the datagram cannot be completed */
#define DT_EV_FRAG_MISSED (1u << 4)

struct dt_ev_pkt {
	struct dt_ev_hdr hdr;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	__u32 netns; /* inode of the device's network namespace */
	__u32 ifindex;
	char comm[DT_COMM_LEN]; /* thread name */
	__u8 saddr[16];		/* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport; /* host byte order */
	__u16 dport;
	__u8 direction; /* 0 egress, 1 ingress (enum dt_direction) */
	__u8 family;	/* 4 or 6 */
	__u8 transport; /* 17 UDP, 6 TCP */
	__u8 tcp_flags; /* FIN 0x01, SYN 0x02, RST 0x04 */
	__u32 flags;	/* DT_EV_* */
	__u32 tcp_seq;
	__u32 orig_len; /* L4 payload bytes in the packet */
	__u16 cap_len;	/* payload bytes that follow */
	__u16 pad;
	/* DT_EV_FRAGMENT: the first fragment has ports and the UDP payload it
	 * holds; a later one no ports and its bytes at frag_off of the IP payload */
	__u32 frag_id;	/* IP identification */
	__u16 frag_off; /* bytes into the IP payload; bit 0 set: more fragments follow */
	__u16 frag_len; /* IP payload bytes of this fragment (UDP header included) */
	__u8 payload[];
};

/*
 * DT_EV_BATCH: a header whose size covers the whole batch, then packet
 * records one after another, each at an 8-byte boundary from the batch's
 * start, in the order their CPU saw them; ts_ns is the first one's. The
 * kernel side gathers up to dt_stage_msgs of them per CPU and writes them to
 * the ring with one call (docs/ebpf.md, "Batches").
 */
#define DT_BATCH_BYTES 16384 /* largest batch, header included */

struct dt_ev_exec {
	struct dt_ev_hdr hdr;
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	char comm[DT_COMM_LEN]; /* group leader's name after exec */
	char exe[DT_EXE_MAX];	/* bprm->filename as passed to execve (may be relative) */
};

struct dt_ev_fork {
	struct dt_ev_hdr hdr;
	__u32 pid; /* the child's tgid */
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	char comm[DT_COMM_LEN];
};

struct dt_ev_exit {
	struct dt_ev_hdr hdr;
	__u32 pid;
	__u32 exit_code;
};

/*
 * Per-CPU counters in a BPF_F_MMAPABLE array (two cache lines per CPU), so
 * userspace reads them through mmap even after dropping every capability.
 * Written without atomics except drops: a softirq nesting over the same CPU
 * may lose one increment of the statistics, never of drops.
 *
 * The second line is the batch's state the reader needs (bpf/dt_ring.h):
 * staged_ts is the stamp of the oldest packet gathered and not yet in the
 * ring (0: none), staged_gen counts batches written, incremented after the
 * write and before staged_ts changes.
 */
struct dt_cpu_counters {
	__u64 drops;	   /* ring-buffer reserve failures (records lost) */
	__u64 emitted;	   /* packet records written */
	__u64 skipped_dup; /* DNS-port packets skipped as repeats (veth/lo/forwarded) */
	__u64 proc_events; /* exec/fork/exit records written */
	__u64 unwoken;	   /* records since the last forced wake-up */
	__u64 last_wake_ns;
	__u64 wakeups;
	__u64 hdr_nonlinear; /* headers (non-linear, or past VLAN tags) dt_parse_copy could not copy */
	/* second line: batches */
	__u64 staged_ts;
	__u64 staged_gen;
	__u64 batches;	     /* batch records written */
	__u64 timer_flushes; /* of them, by the timer of a CPU gone quiet */
	__u64 nested;	     /* packets written alone: their program interrupted another */
	__u64 batch_ok;	     /* set by userspace: this CPU alone writes its ring */
	__u64 spare[2];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct dt_ev_hdr) == 16, "dt_ev_hdr layout");
_Static_assert(sizeof(struct dt_ev_pkt) == 128, "dt_ev_pkt layout");
_Static_assert(sizeof(struct dt_ev_exec) == 312, "dt_ev_exec layout");
_Static_assert(sizeof(struct dt_ev_fork) == 56, "dt_ev_fork layout");
_Static_assert(sizeof(struct dt_ev_exit) == 24, "dt_ev_exit layout");
_Static_assert(sizeof(struct dt_cpu_counters) == 128, "two cache lines per CPU");
#endif

#endif
