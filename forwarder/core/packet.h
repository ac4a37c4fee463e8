/* SPDX-License-Identifier: MIT */
/*
 * One captured DNS-port packet, as every input hands it to the engine.
 *
 * The eBPF input fills it from a kernel ring-buffer record, the pcap input
 * from a file; the engine (TCP reassembly, DNS decoding, query/response
 * matching) never knows which. Pointers are borrowed for the duration of
 * dt_engine_packet() only.
 */
#ifndef DT_PACKET_H
#define DT_PACKET_H

#include <stdbool.h>
#include <stdint.h>

enum dt_direction {
	DT_DIR_EGRESS = 0, /* left a local socket / device (net_dev_queue) */
	DT_DIR_INGRESS = 1, /* arrived on a device (netif_receive_skb) */
	DT_DIR_UNKNOWN = 2, /* pcap: no direction known */
};

enum dt_transport {
	DT_TRANSPORT_UDP = 17,
	DT_TRANSPORT_TCP = 6,
};

/* dt_packet.flags */
#define DT_PKT_TRUNCATED (1u << 0) /* payload longer than what was copied */
#define DT_PKT_NONLINEAR (1u << 1) /* part of the payload sat in skb fragments */
#define DT_PKT_HAS_PROCESS (1u << 2) /* pid/tid/uid/comm are the sender's */
/* An IP fragment of a UDP datagram (frag_* valid; the engine reassembles).
 * The first (frag_offset 0) carries ports and, as payload, the UDP payload
 * it holds, orig_len being the whole datagram's; a later one carries no
 * ports and, as payload, its bytes at frag_offset of the IP payload. */
#define DT_PKT_FRAGMENT (1u << 3)
/* On a first fragment (live capture): a later fragment of its datagram went
 * by uncaptured before it, so the datagram can never be completed. */
#define DT_PKT_FRAG_MISSED (1u << 4)

/* TCP flags we care about (same bits as the TCP header). */
#define DT_TCP_FIN 0x01
#define DT_TCP_SYN 0x02
#define DT_TCP_RST 0x04

struct dt_packet {
	uint64_t ts_ns; /* wall clock, ns since the Unix epoch */
	uint32_t pid; /* tgid of the current task (valid if HAS_PROCESS) */
	uint32_t tid;
	uint32_t uid;
	uint32_t gid;
	char comm[16]; /* thread name (bpf_get_current_comm), NUL-terminated */
	uint64_t cgroup_id;
	uint32_t netns; /* network namespace inode of the device, 0 if unknown */
	uint32_t ifindex;
	uint32_t flags; /* DT_PKT_* */
	uint8_t direction; /* enum dt_direction */
	uint8_t family; /* 4 or 6 */
	uint8_t transport; /* enum dt_transport */
	uint8_t tcp_flags; /* DT_TCP_*, TCP only */
	uint32_t tcp_seq; /* sequence number of payload[0], TCP only */
	uint8_t saddr[16]; /* IPv4 in the first 4 bytes */
	uint8_t daddr[16];
	uint16_t sport; /* host byte order */
	uint16_t dport;
	uint32_t orig_len; /* L4 payload length on the wire */
	uint32_t payload_len; /* bytes available at payload */
	const uint8_t *payload; /* UDP payload or TCP segment payload */
	/* DT_PKT_FRAGMENT only */
	uint32_t frag_id; /* IP identification (IPv4: 16 bits, IPv6: 32 bits) */
	uint16_t frag_offset; /* bytes: where this fragment starts in the IP payload */
	uint16_t frag_len; /* IP payload bytes of this fragment on the wire (UDP header included) */
	bool frag_more; /* more fragments follow (IPv4 MF, IPv6 M) */
};

#endif
