// SPDX-License-Identifier: MIT
/* Link layer -> IPv4/IPv6 (+ extension headers) -> UDP/TCP -> struct dt_packet. */
#include "inputs/frame_parse.h"

#include <errno.h>
#include <string.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ1 0x9100

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * L4 at l4[0..cap) with l4_len bytes on the wire (from the IP header).
 */
static int parse_l4(uint8_t proto, const uint8_t *l4, size_t cap, size_t l4_len,
		    struct dt_packet *pkt)
{
	size_t hlen;

	if (cap > l4_len)
		cap = l4_len; /* link-layer padding after the IP datagram */
	switch (proto) {
	case IPPROTO_UDP_: {
		size_t ulen;

		if (cap < 8)
			return -EBADMSG;
		ulen = get16(l4 + 4);
		/* UDP length 0 happens with IPv6 jumbograms only; trust IP then */
		if (ulen == 0)
			ulen = l4_len;
		/* a first IP fragment holds only the start of the datagram */
		if (ulen < 8 || (ulen > l4_len && !(pkt->flags & DT_PKT_FRAGMENT)))
			return -EBADMSG;
		hlen = 8;
		pkt->transport = DT_TRANSPORT_UDP;
		pkt->tcp_flags = 0;
		pkt->tcp_seq = 0;
		if (pkt->flags & DT_PKT_FRAGMENT) {
			pkt->frag_len = (uint16_t)l4_len;
			if (cap > ulen)
				cap = ulen;
			pkt->sport = get16(l4);
			pkt->dport = get16(l4 + 2);
			pkt->payload = l4 + hlen;
			pkt->payload_len = (uint32_t)(cap - hlen);
			pkt->orig_len = (uint32_t)(ulen - hlen);
			if (pkt->payload_len < pkt->orig_len)
				pkt->flags |= DT_PKT_TRUNCATED;
			else
				pkt->flags &= ~DT_PKT_TRUNCATED;
			return 0;
		}
		l4_len = ulen;
		if (cap > ulen)
			cap = ulen;
		break;
	}
	case IPPROTO_TCP_:
		if (cap < 20)
			return -EBADMSG;
		hlen = (size_t)(l4[12] >> 4) * 4;
		if (hlen < 20 || hlen > l4_len || hlen > cap)
			return -EBADMSG;
		pkt->transport = DT_TRANSPORT_TCP;
		pkt->tcp_seq = get32(l4 + 4);
		pkt->tcp_flags = l4[13] & (DT_TCP_FIN | DT_TCP_SYN | DT_TCP_RST);
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (pkt->flags & DT_PKT_FRAGMENT)
		return -EINPROGRESS; /* a fragment of TCP: not reassembled */
	pkt->sport = get16(l4);
	pkt->dport = get16(l4 + 2);
	pkt->payload = l4 + hlen;
	pkt->payload_len = (uint32_t)(cap - hlen);
	pkt->orig_len = (uint32_t)(l4_len - hlen);
	if (pkt->payload_len < pkt->orig_len)
		pkt->flags |= DT_PKT_TRUNCATED;
	else
		pkt->flags &= ~DT_PKT_TRUNCATED;
	return 0;
}

/*
 * A fragment of a UDP datagram: identity for the engine's reassembly. A
 * later one (no UDP header) is complete here: its bytes, no ports.
 */
static int ip_fragment(uint8_t proto, uint32_t id, uint32_t off, bool more, const uint8_t *data,
		       size_t cap, size_t len, struct dt_packet *pkt)
{
	if (proto != IPPROTO_UDP_ || len > 65535)
		return -EINPROGRESS; /* not reassembled: counted and skipped */
	pkt->flags |= DT_PKT_FRAGMENT;
	pkt->frag_id = id;
	pkt->frag_offset = (uint16_t)off;
	pkt->frag_more = more;
	if (off == 0)
		return 1; /* the first: parse its UDP header */
	if (cap > len)
		cap = len;
	pkt->transport = DT_TRANSPORT_UDP;
	pkt->tcp_flags = 0;
	pkt->tcp_seq = 0;
	pkt->sport = pkt->dport = 0;
	pkt->payload = data;
	pkt->payload_len = (uint32_t)cap;
	pkt->orig_len = (uint32_t)len;
	pkt->frag_len = (uint16_t)len;
	if (cap < len)
		pkt->flags |= DT_PKT_TRUNCATED;
	else
		pkt->flags &= ~DT_PKT_TRUNCATED;
	return 0;
}

static int parse_ipv4(const uint8_t *ip, size_t cap, size_t wire, struct dt_packet *pkt)
{
	size_t ihl, total;
	uint16_t frag;

	if (cap < 20)
		return -EBADMSG;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = get16(ip + 2);
	/* TSO/GSO captures show total length 0: fall back to what was on the wire */
	if (total == 0)
		total = wire;
	if (ihl < 20 || total < ihl || ihl > cap || (wire && total > wire))
		return -EBADMSG;
	frag = get16(ip + 6);
	pkt->flags &= ~DT_PKT_FRAGMENT;
	pkt->family = 4;
	memset(pkt->saddr, 0, sizeof(pkt->saddr));
	memset(pkt->daddr, 0, sizeof(pkt->daddr));
	memcpy(pkt->saddr, ip + 12, 4);
	memcpy(pkt->daddr, ip + 16, 4);
	if (frag & 0x3fff) { /* MF set or a non-zero offset */
		int rc = ip_fragment(ip[9], get16(ip + 4), (uint32_t)(frag & 0x1fff) * 8,
				     frag & 0x2000, ip + ihl, cap - ihl, total - ihl, pkt);

		if (rc <= 0)
			return rc;
	}
	return parse_l4(ip[9], ip + ihl, cap - ihl, total - ihl, pkt);
}

static int parse_ipv6(const uint8_t *ip, size_t cap, size_t wire, struct dt_packet *pkt)
{
	size_t off = 40, end;
	uint8_t next;

	if (cap < 40)
		return -EBADMSG;
	end = 40 + (size_t)get16(ip + 4);
	if (end == 40 && wire > 40)
		end = wire; /* jumbogram or GSO: length from the capture */
	if (wire && end > wire)
		return -EBADMSG;
	next = ip[6];
	pkt->flags &= ~DT_PKT_FRAGMENT;
	pkt->family = 6;
	memcpy(pkt->saddr, ip + 8, 16);
	memcpy(pkt->daddr, ip + 24, 16);

	for (int i = 0;; i++) {
		size_t hlen;

		switch (next) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
			if (off + 8 > cap || off + 8 > end)
				return -EBADMSG;
			hlen = ((size_t)ip[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH_:
			if (off + 8 > cap || off + 8 > end)
				return -EBADMSG;
			hlen = ((size_t)ip[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_:
			if (off + 8 > cap || off + 8 > end)
				return -EBADMSG;
			/* offset or M flag: a real fragment; else an atomic one */
			if (get16(ip + off + 2) & 0xfff9) {
				uint16_t fo = get16(ip + off + 2);
				int rc;

				if (off + 8 > end)
					return -EBADMSG;
				rc = ip_fragment(ip[off], get32(ip + off + 4), fo & 0xfff8, fo & 1,
						 ip + off + 8, cap - off - 8, end - off - 8, pkt);
				if (rc <= 0)
					return rc;
			}
			hlen = 8;
			break;
		default:
			if (off > end || off > cap)
				return -EBADMSG;
			return parse_l4(next, ip + off, cap - off, end - off, pkt);
		}
		if (i + 1 >= DT_FRAME_MAX_EXT)
			return -EBADMSG;
		next = ip[off];
		off += hlen;
	}
}

int dt_frame_parse_ip(const uint8_t *ip, size_t caplen, size_t wirelen, struct dt_packet *pkt)
{
	if (caplen < 1)
		return -EBADMSG;
	switch (ip[0] >> 4) {
	case 4:
		return parse_ipv4(ip, caplen, wirelen, pkt);
	case 6:
		return parse_ipv6(ip, caplen, wirelen, pkt);
	default:
		return -EPFNOSUPPORT;
	}
}

/* Skip l bytes of link header, then dispatch on an ethertype. */
static int by_ethertype(uint16_t type, const uint8_t *frame, size_t caplen, size_t wirelen,
			size_t l, struct dt_packet *pkt)
{
	size_t wl = wirelen > l ? wirelen - l : 0;

	if (l > caplen)
		return -EBADMSG;
	if (type == ETH_P_IPV4 && caplen > l && frame[l] >> 4 == 4)
		return parse_ipv4(frame + l, caplen - l, wl, pkt);
	if (type == ETH_P_IPV6 && caplen > l && frame[l] >> 4 == 6)
		return parse_ipv6(frame + l, caplen - l, wl, pkt);
	if (type == ETH_P_IPV4 || type == ETH_P_IPV6)
		return -EBADMSG;
	return -EPFNOSUPPORT;
}

static int parse_ethernet(const uint8_t *f, size_t cap, size_t wire, struct dt_packet *pkt)
{
	size_t l = 12;
	uint16_t type;

	for (int tags = 0;; tags++) {
		if (l + 2 > cap)
			return -EBADMSG;
		type = get16(f + l);
		l += 2;
		if (type != ETH_P_8021Q && type != ETH_P_8021AD && type != ETH_P_QINQ1)
			break;
		if (tags >= DT_FRAME_MAX_VLAN)
			return -EBADMSG;
		l += 2; /* tag control information */
	}
	return by_ethertype(type, f, cap, wire, l, pkt);
}

/* Loopback: 4-byte address family, in host (NULL) or network (LOOP) order. */
static int parse_loopback(const uint8_t *f, size_t cap, size_t wire, bool net_order,
			  struct dt_packet *pkt)
{
	uint32_t af;

	if (cap < 4)
		return -EBADMSG;
	if (net_order)
		af = get32(f);
	else
		memcpy(&af, f, 4);
	/* written on any OS: either byte order, and the BSDs' AF_INET6 values */
	if (!net_order && af > 0xffff)
		af = __builtin_bswap32(af);
	switch (af) {
	case 2:
		return by_ethertype(ETH_P_IPV4, f, cap, wire, 4, pkt);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return by_ethertype(ETH_P_IPV6, f, cap, wire, 4, pkt);
	default:
		return -EPFNOSUPPORT;
	}
}

/*
 * Untagged Ethernet, IPv4 without options or fragmentation, UDP, the whole
 * datagram captured: nearly every frame of a capture. Fills pkt exactly as
 * the general path does and returns 0; 1 sends anything else (or anything
 * odd: lengths 0, padding errors) down the general path, which decides.
 */
static int eth_ipv4_udp(const uint8_t *f, size_t cap, size_t wire, struct dt_packet *pkt)
{
	const uint8_t *ip = f + 14, *l4 = f + 34;
	size_t total, ulen;

	if (cap < 42 || get16(f + 12) != ETH_P_IPV4 || ip[0] != 0x45 || ip[9] != IPPROTO_UDP_ ||
	    (get16(ip + 6) & 0x3fff))
		return 1;
	total = get16(ip + 2);
	ulen = get16(l4 + 4);
	if (total < 28 || total > cap - 14 || (wire && total > wire - 14) || ulen < 8 ||
	    ulen > total - 20)
		return 1;
	pkt->flags &= ~(DT_PKT_FRAGMENT | DT_PKT_TRUNCATED);
	pkt->family = 4;
	memset(pkt->saddr, 0, sizeof(pkt->saddr));
	memset(pkt->daddr, 0, sizeof(pkt->daddr));
	memcpy(pkt->saddr, ip + 12, 4);
	memcpy(pkt->daddr, ip + 16, 4);
	pkt->transport = DT_TRANSPORT_UDP;
	pkt->tcp_flags = 0;
	pkt->tcp_seq = 0;
	pkt->sport = get16(l4);
	pkt->dport = get16(l4 + 2);
	pkt->payload = l4 + 8;
	pkt->payload_len = (uint32_t)(ulen - 8);
	pkt->orig_len = (uint32_t)(ulen - 8);
	return 0;
}

int dt_frame_parse(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
		   struct dt_packet *pkt)
{
	if (!frame || !pkt)
		return -EINVAL;
	switch (linktype) {
	case DT_LINK_EN10MB:
		if (!eth_ipv4_udp(frame, caplen, wirelen, pkt))
			return 0;
		return parse_ethernet(frame, caplen, wirelen, pkt);
	case DT_LINK_LINUX_SLL: /* 16 bytes, protocol last */
		if (caplen < 16)
			return -EBADMSG;
		return by_ethertype(get16(frame + 14), frame, caplen, wirelen, 16, pkt);
	case DT_LINK_LINUX_SLL2: /* 20 bytes, protocol first */
		if (caplen < 20)
			return -EBADMSG;
		return by_ethertype(get16(frame), frame, caplen, wirelen, 20, pkt);
	case DT_LINK_RAW:
	case DT_LINK_RAW_LT:
		return dt_frame_parse_ip(frame, caplen, wirelen, pkt);
	case DT_LINK_IPV4:
		if (caplen < 1 || frame[0] >> 4 != 4)
			return -EBADMSG;
		return parse_ipv4(frame, caplen, wirelen, pkt);
	case DT_LINK_IPV6:
		if (caplen < 1 || frame[0] >> 4 != 6)
			return -EBADMSG;
		return parse_ipv6(frame, caplen, wirelen, pkt);
	case DT_LINK_NULL:
		return parse_loopback(frame, caplen, wirelen, false, pkt);
	case DT_LINK_LOOP:
		return parse_loopback(frame, caplen, wirelen, true, pkt);
	default:
		return -ENOTSUP;
	}
}
