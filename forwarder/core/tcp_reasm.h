/* SPDX-License-Identifier: MIT */
/*
 * DNS-over-TCP reassembly (RFC 1035 4.2.2 / RFC 7766): per direction of a
 * connection (addresses, ports, netns), a byte stream of 2-byte-length-
 * prefixed messages, possibly several per segment or one over several.
 *
 * Deliberately simple: in-order append, whole duplicates dropped, overlaps
 * trimmed, and on a gap (a lost segment) the flow is given up until it
 * closes: after a hole the message boundaries are lost. A segment the
 * capture cut short (orig_len > payload_len) is no gap while the missing
 * bytes lie inside one message whose length prefix was seen: that message
 * comes out cut, its rest is skipped, and the stream goes on.
 * Flows end on FIN/RST, on idle, or by LRU eviction when the table is full.
 * Everything given up is counted in dt_stats.
 */
#ifndef DT_TCP_REASM_H
#define DT_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/packet.h"

/* All flows together never buffer more than this. */
#define DT_TCP_TOTAL_BUFFER_MAX (64u << 20)

/* One DNS message (prefix removed); pkt is the segment that completed it.
 * cut: only the first len bytes of a longer message, the rest was not
 * captured (a segment larger than the capture length). */
typedef void (*dt_tcp_msg_fn)(const uint8_t *msg, size_t len, bool cut,
			      const struct dt_packet *pkt, void *user);

struct dt_tcp_reasm;

/* Returns NULL on allocation failure or zero bounds. */
struct dt_tcp_reasm *dt_tcp_reasm_new(uint32_t max_flows, uint32_t max_buffer, uint64_t idle_ns,
				      dt_tcp_msg_fn fn, void *user);
void dt_tcp_reasm_free(struct dt_tcp_reasm *r);

/* Feed one TCP segment (pkt->transport == DT_TRANSPORT_TCP). */
void dt_tcp_reasm_segment(struct dt_tcp_reasm *r, const struct dt_packet *pkt);
/* Close flows idle since before now - idle_ns. */
void dt_tcp_reasm_expire(struct dt_tcp_reasm *r, uint64_t now_ns);
/* Close every flow (partial messages are counted as dropped bytes). */
void dt_tcp_reasm_close_all(struct dt_tcp_reasm *r);
uint32_t dt_tcp_reasm_flows(const struct dt_tcp_reasm *r);

#endif
