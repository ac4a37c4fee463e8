/* SPDX-License-Identifier: MIT */
/*
 * IP header parsing shared by the BPF programs (dnstrail.bpf.c) and host
 * unit tests (tests/unit/test_bpf_parse.c): tracepoint programs cannot be
 * run by bpf_prog_test_run, so the logic lives here as plain C.
 *
 * Reads bytes through `ip` without bounds: in the BPF program these are
 * exception-handled loads (a fault reads 0) after a check that the headers
 * are in the skb's linear area; host callers pass a buffer of at least
 * DT_PARSE_MIN_BUF bytes. The common path reads whole 8-byte words: the JIT
 * guards every such load with ~6 instructions, so one word beats six bytes.
 * Words are taken apart as little-endian (x86 and bpfel alike).
 */
#ifndef DNSTRAIL_PARSE_H
#define DNSTRAIL_PARSE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define DT_IPV6_EXT_MAX 6    /* extension headers walked before giving up */
#define DT_PARSE_MIN_BUF 512 /* host callers: bytes readable at ip */

enum dt_parse_result {
	DT_PARSE_OK = 0,
	DT_PARSE_NOT_L4 = 1,	/* not UDP/TCP (or too many extension headers) */
	DT_PARSE_FRAGMENT = 2,	/* a later IP fragment: no transport header (out filled) */
	DT_PARSE_MALFORMED = 3, /* IHL < 5 */
};

struct dt_l3 {
	__u32 l3len;	/* IP header + extension headers: offset of the L4 header */
	__u32 ip_len;	/* IP total length from the header; 0 if unknown (jumbogram) */
	__u8 transport; /* 6 TCP, 17 UDP */
	__u32 frag_hdr; /* IPv6, valid if l3len > 40 or FRAGMENT: offset of the
			 * Fragment header of a real fragment, else 0 */
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dt_parse.h takes words apart as little-endian"
#endif

/* An 8-byte word at p, any alignment (the BPF JIT on x86 does not care; the
 * host goes through memcpy so the sanitizers do not either). */
static __always_inline __u64 dt_ld64(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u64 *)p;
#else
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
#endif
}

static __always_inline __u32 dt_ld32(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u32 *)p;
#else
	__u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
#endif
}

/* byte i (0-7) of a word loaded by dt_ld64 */
#define DT_B(w, i) ((__u32)((w) >> ((i) * 8)) & 0xff)
/* big-endian 16 bits at bytes i, i+1 of a word */
#define DT_BE16(w, i) (DT_B(w, i) << 8 | DT_B(w, (i) + 1))

/* w0, w1: the IPv4 header's bytes 0-7 and 8-15, as dt_ld64 reads them */
static __always_inline int dt_parse_ipv4_w(__u64 w0, __u64 w1, struct dt_l3 *out)
{
	__u8 transport = DT_B(w1, 1);
	__u32 ihl = (DT_B(w0, 0) & 0xf) * 4;

	if (transport != 6 && transport != 17)
		return DT_PARSE_NOT_L4;
	if (ihl < 20)
		return DT_PARSE_MALFORMED;
	out->l3len = ihl;
	out->ip_len = DT_BE16(w0, 2);
	out->transport = transport;
	/* a later fragment: no transport header; l3len says where its bytes start */
	return w0 & 0xff1f000000000000ull ? DT_PARSE_FRAGMENT : DT_PARSE_OK;
}

/*
 * Where the transport header is when a fixed-size IP header comes first: 20
 * for IPv4 without options that is not a later fragment, 40 for IPv6 whose
 * next header is TCP or UDP; 0 when only the full parse can tell (options,
 * extension headers, later fragments). w0: the IP header's bytes 0-7. If
 * the two ports read there are not watched, the packet needs no more work,
 * whatever its transport: the full parse would find the same ports, or none.
 */
static __always_inline __u32 dt_fixed_l4_off(int v4, __u64 w0)
{
	if (v4)
		return DT_B(w0, 0) == 0x45 && !(w0 & 0xff1f000000000000ull) ? 20 : 0;
	return DT_B(w0, 6) == 6 || DT_B(w0, 6) == 17 ? 40 : 0;
}

static __always_inline int dt_parse_ipv4(const __u8 *ip, struct dt_l3 *out)
{
	return dt_parse_ipv4_w(dt_ld64(ip), dt_ld64(ip + 8), out);
}

/* Not one of the IPv6 extension headers the walks pass: hop-by-hop 0,
 * routing 43, destination 60, fragment 44, AH 51. (Written as the walk
 * below had it: other forms of it, and of the walk's other steps, change the
 * packet programs' register allocation on the common path.) */
static __always_inline int dt_ipv6_not_ext(__u8 next)
{
	return next != 0 && next != 43 && next != 60 && next != 44 && next != 51;
}

/* w0: the IPv6 header's bytes 0-7, as dt_ld64 reads them */
static __always_inline int dt_parse_ipv6_w(const __u8 *ip, __u64 w0, struct dt_l3 *out)
{
	__u8 next = DT_B(w0, 6);
	__u32 l3len = 40;
	__u32 plen = DT_BE16(w0, 4);

	if (next != 6 && next != 17) {
		out->frag_hdr = 0; /* set only here: the common path stays as it was */
		/* hop-by-hop 0, routing 43, destination 60, fragment 44, AH 51 */
		for (int i = 0; i < DT_IPV6_EXT_MAX; i++) {
			const __u8 *eh = ip + l3len;

			if (dt_ipv6_not_ext(next))
				break;
			if (next == 44) {
				if (eh[3] & 1 || (eh[2] << 8 | eh[3]) & 0xfff8)
					out->frag_hdr = l3len;
				if ((eh[2] << 8 | eh[3]) & 0xfff8) {
					out->l3len = l3len + 8;
					out->ip_len = plen ? plen + 40 : 0;
					out->transport = eh[0];
					return DT_PARSE_FRAGMENT;
				}
				l3len += 8;
			} else if (next == 51) {
				l3len += (eh[1] + 2) * 4;
			} else {
				l3len += (eh[1] + 1) * 8;
			}
			next = eh[0];
		}
		if (next != 6 && next != 17)
			return DT_PARSE_NOT_L4;
	}
	out->l3len = l3len;
	out->ip_len = plen ? plen + 40 : 0;
	out->transport = next;
	return DT_PARSE_OK;
}

static __always_inline int dt_parse_ipv6(const __u8 *ip, struct dt_l3 *out)
{
	return dt_parse_ipv6_w(ip, dt_ld64(ip), out);
}

#endif
