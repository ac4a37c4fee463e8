// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: dt_frame_parse() on arbitrary frames of every link type
 * (the first byte picks it); a parsed payload must lie inside the frame and
 * goes on to dns_decode().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "inputs/frame_parse.h"

static struct dns_msg msg;

static const int linktypes[] = {
    DT_LINK_NULL, DT_LINK_EN10MB, DT_LINK_RAW,	  DT_LINK_LOOP,	      DT_LINK_LINUX_SLL,
    DT_LINK_IPV4, DT_LINK_IPV6,	  DT_LINK_RAW_LT, DT_LINK_LINUX_SLL2, 147,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_packet pkt;
	size_t wirelen;
	int lt, rc;

	if (size < 2)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	/* second byte: how much longer the frame was on the wire */
	wirelen = size - 2 + (data[1] & 0x80 ? data[1] & 0x7f : 0);
	data += 2;
	size -= 2;
	memset(&pkt, 0, sizeof(pkt));
	rc = dt_frame_parse(lt, data, size, wirelen, &pkt);
	if (rc) {
		if (rc != -EBADMSG && rc != -ENOTSUP && rc != -EPFNOSUPPORT &&
		    rc != -EPROTONOSUPPORT && rc != -EINPROGRESS)
			abort();
		return 0;
	}
	if (pkt.payload < data || pkt.payload + pkt.payload_len > data + size)
		abort();
	if (pkt.payload_len > pkt.orig_len)
		abort();
	if (pkt.family != 4 && pkt.family != 6)
		abort();
	if (pkt.transport == DT_TRANSPORT_UDP)
		(void)dns_decode(pkt.payload, pkt.payload_len, &msg);
	else if (pkt.payload_len > 2)
		(void)dns_decode(pkt.payload + 2, pkt.payload_len - 2, &msg);
	return 0;
}
