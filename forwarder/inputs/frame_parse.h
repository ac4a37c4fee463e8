/* SPDX-License-Identifier: MIT */
/*
 * Captured frame -> struct dt_packet: link layer (Ethernet with VLAN tags,
 * Linux cooked SLL/SLL2, raw IP, BSD/Linux loopback), IPv4 or IPv6 (with its
 * extension headers walked, bounded), then UDP or TCP. Pure: no I/O, no
 * allocation; the packet's payload points into the frame.
 */
#ifndef DT_FRAME_PARSE_H
#define DT_FRAME_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/packet.h"

/* Link types by their pcap LINKTYPE_/DLT_ numbers, as pcap_datalink() returns. */
#define DT_LINK_NULL 0 /* BSD loopback: 4-byte AF in host byte order */
#define DT_LINK_EN10MB 1
#define DT_LINK_RAW 12	   /* DLT_RAW on Linux (LINKTYPE_RAW 101 maps to it) */
#define DT_LINK_RAW_LT 101 /* LINKTYPE_RAW as stored in files */
#define DT_LINK_LOOP 108   /* OpenBSD loopback: AF in network byte order */
#define DT_LINK_LINUX_SLL 113
#define DT_LINK_IPV4 228
#define DT_LINK_IPV6 229
#define DT_LINK_LINUX_SLL2 276

#define DT_FRAME_MAX_VLAN 4 /* stacked 802.1Q/802.1ad tags walked */
#define DT_FRAME_MAX_EXT 8  /* IPv6 extension headers walked */

/*
 * Parse one frame of caplen captured bytes (wirelen on the wire) into pkt:
 * family, transport, addresses, ports, TCP seq/flags, payload, orig_len,
 * DT_PKT_TRUNCATED. ts_ns, direction and process fields are left as they
 * were (the caller sets them). Returns 0, or
 *   -ENOTSUP         link type not handled
 *   -EPFNOSUPPORT    not IPv4/IPv6 (ARP, LLDP, ...)
 *   -EPROTONOSUPPORT IP but neither UDP nor TCP (ICMP, ESP, ...)
 *   -EINPROGRESS     an IP fragment of something else than UDP: skipped
 * A fragment of a UDP datagram returns 0 with DT_PKT_FRAGMENT and frag_*
 * set (see core/packet.h); the engine reassembles it.
 *   -EBADMSG         headers malformed or cut off by the capture length
 */
int dt_frame_parse(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
		   struct dt_packet *pkt);

/* Same, starting at an IPv4 or IPv6 header (version nibble decides). */
int dt_frame_parse_ip(const uint8_t *ip, size_t caplen, size_t wirelen, struct dt_packet *pkt);

#endif
