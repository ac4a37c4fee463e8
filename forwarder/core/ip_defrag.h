/* SPDX-License-Identifier: MIT */
/*
 * Bounded IPv4/IPv6 reassembly of fragmented UDP datagrams (a DNS response
 * larger than the path MTU with EDNS). Fed with struct dt_packet fragments
 * (DT_PKT_FRAGMENT, see core/packet.h); a complete datagram comes back as
 * one ordinary UDP dt_packet with the first fragment's ports, process
 * identity and timestamp.
 *
 * Bounds: a fixed number of datagrams in reassembly and of buffered bytes;
 * a datagram not complete within the timeout is given up. Overlapping
 * fragments drop the datagram (RFC 5722), exact repeats are ignored.
 * Counted in dt_stats: ip_fragments, ip_reassembled, ip_reassembly_drops,
 * ip_fragments_missed.
 */
#ifndef DT_IP_DEFRAG_H
#define DT_IP_DEFRAG_H

#include <stdint.h>

#include "core/packet.h"

struct dt_ip_defrag;

#define DT_IP_DEFRAG_MAX_DATAGRAM 65535u /* IP payload: UDP header + data */

/* Called for a datagram given up (timeout, eviction) whose first fragment
 * was seen: the first fragment alone, as a truncated UDP packet, so the
 * response still counts (as before reassembly existed). */
typedef void (*dt_ip_defrag_partial_fn)(const struct dt_packet *pkt, void *user);

/* Returns NULL on allocation failure or a zero bound. */
struct dt_ip_defrag *dt_ip_defrag_new(uint32_t max_datagrams, uint32_t max_bytes,
				      uint64_t timeout_ns, dt_ip_defrag_partial_fn partial,
				      void *user);

/*
 * Add one fragment. Returns 1 with *out a complete UDP packet (out->payload
 * valid until the next call on d), 0 while incomplete or ignored (a repeat),
 * or a negative errno when the fragment or its datagram was dropped:
 * -EINVAL not a usable fragment (not UDP, cut by the snap length, bad
 * sizes), -EBADMSG overlap or inconsistent lengths, -E2BIG over 65535
 * bytes, -ENOBUFS no slot or byte budget left, -ENODATA a first fragment
 * flagged DT_PKT_FRAG_MISSED (handed on alone at once, counted).
 */
int dt_ip_defrag_add(struct dt_ip_defrag *d, const struct dt_packet *pkt, struct dt_packet *out);

/*
 * A whole UDP packet came the other way: if it replies (ports and addresses
 * reversed, the same DNS id) to a datagram still in reassembly, the rest of
 * that datagram will never come (its receiver had all of it before it could
 * reply, and every fragment captured before the reply was added already).
 * That datagram is given up now, counted, its first fragment handed on
 * ahead of the reply. Returns how many were given up.
 */
unsigned dt_ip_defrag_answered(struct dt_ip_defrag *d, const struct dt_packet *reply);

/* Give up datagrams older than now - timeout. */
void dt_ip_defrag_expire(struct dt_ip_defrag *d, uint64_t now_ns);

/* Give up every datagram (shutdown, end of a pcap replay). */
void dt_ip_defrag_flush(struct dt_ip_defrag *d);

/* Datagrams in reassembly, bytes buffered (tests, metrics). */
uint32_t dt_ip_defrag_pending(const struct dt_ip_defrag *d);
uint32_t dt_ip_defrag_bytes(const struct dt_ip_defrag *d);

/* NULL-safe. */
void dt_ip_defrag_free(struct dt_ip_defrag *d);

#endif
