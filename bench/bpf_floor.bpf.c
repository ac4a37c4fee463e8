// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of bench/bpf_cost.sh: empty programs on the same tracepoints as
 * dnstrail's packet programs. What they cost under kernel.bpf_stats_enabled
 * is dispatch plus the stats' own clock reads, which no program can go below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/net_dev_queue")
int BPF_PROG(floor_egress, struct sk_buff *skb)
{
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(floor_ingress, struct sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
