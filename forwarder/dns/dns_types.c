// SPDX-License-Identifier: MIT
/* Mnemonics of types, classes, rcodes and opcodes (IANA DNS parameters). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns.h"

static const char *const types_low[] = {
    [1] = "A",	       [2] = "NS",	[3] = "MD",	     [4] = "MF",
    [5] = "CNAME",     [6] = "SOA",	[7] = "MB",	     [8] = "MG",
    [9] = "MR",	       [10] = "NULL",	[11] = "WKS",	     [12] = "PTR",
    [13] = "HINFO",    [14] = "MINFO",	[15] = "MX",	     [16] = "TXT",
    [17] = "RP",       [18] = "AFSDB",	[19] = "X25",	     [20] = "ISDN",
    [21] = "RT",       [22] = "NSAP",	[23] = "NSAP-PTR",   [24] = "SIG",
    [25] = "KEY",      [26] = "PX",	[27] = "GPOS",	     [28] = "AAAA",
    [29] = "LOC",      [30] = "NXT",	[31] = "EID",	     [32] = "NIMLOC",
    [33] = "SRV",      [34] = "ATMA",	[35] = "NAPTR",	     [36] = "KX",
    [37] = "CERT",     [38] = "A6",	[39] = "DNAME",	     [40] = "SINK",
    [41] = "OPT",      [42] = "APL",	[43] = "DS",	     [44] = "SSHFP",
    [45] = "IPSECKEY", [46] = "RRSIG",	[47] = "NSEC",	     [48] = "DNSKEY",
    [49] = "DHCID",    [50] = "NSEC3",	[51] = "NSEC3PARAM", [52] = "TLSA",
    [53] = "SMIMEA",   [55] = "HIP",	[56] = "NINFO",	     [57] = "RKEY",
    [58] = "TALINK",   [59] = "CDS",	[60] = "CDNSKEY",    [61] = "OPENPGPKEY",
    [62] = "CSYNC",    [63] = "ZONEMD", [64] = "SVCB",	     [65] = "HTTPS",
    [99] = "SPF",      [100] = "UINFO", [101] = "UID",	     [102] = "GID",
    [103] = "UNSPEC",  [104] = "NID",	[105] = "L32",	     [106] = "L64",
    [107] = "LP",      [108] = "EUI48", [109] = "EUI64",     [249] = "TKEY",
    [250] = "TSIG",    [251] = "IXFR",	[252] = "AXFR",	     [253] = "MAILB",
    [254] = "MAILA",   [255] = "ANY",	[256] = "URI",	     [257] = "CAA",
    [258] = "AVC",     [259] = "DOA",	[260] = "AMTRELAY",  [261] = "RESINFO",
};
#define N_TYPES_LOW (sizeof(types_low) / sizeof(types_low[0]))

static const char *const rcodes[] = {
    [0] = "NOERROR",  [1] = "FORMERR",	  [2] = "SERVFAIL", [3] = "NXDOMAIN",  [4] = "NOTIMP",
    [5] = "REFUSED",  [6] = "YXDOMAIN",	  [7] = "YXRRSET",  [8] = "NXRRSET",   [9] = "NOTAUTH",
    [10] = "NOTZONE", [11] = "DSOTYPENI", [16] = "BADVERS", [17] = "BADKEY",   [18] = "BADTIME",
    [19] = "BADMODE", [20] = "BADNAME",	  [21] = "BADALG",  [22] = "BADTRUNC", [23] = "BADCOOKIE",
};
#define N_RCODES (sizeof(rcodes) / sizeof(rcodes[0]))

static const char *const opcodes[] = {
    [0] = "QUERY", [1] = "IQUERY", [2] = "STATUS", [4] = "NOTIFY", [5] = "UPDATE", [6] = "DSO",
};
#define N_OPCODES (sizeof(opcodes) / sizeof(opcodes[0]))

/* "PREFIX<n>" without snprintf: unknown values are common in hostile traffic. */
static const char *numbered(const char *prefix, unsigned v, char buf[16])
{
	size_t n = strlen(prefix);
	char tmp[6];
	size_t i = sizeof(tmp);

	memcpy(buf, prefix, n);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(buf + n, tmp + i, sizeof(tmp) - i);
	buf[n + sizeof(tmp) - i] = '\0';
	return buf;
}

const char *dns_type_str(uint16_t type, char buf[16])
{
	if (type < N_TYPES_LOW && types_low[type])
		return types_low[type];
	if (type == 32768)
		return "TA";
	if (type == 32769)
		return "DLV";
	return numbered("TYPE", type, buf);
}

const char *dns_class_str(uint16_t rclass, char buf[16])
{
	switch (rclass) {
	case 1:
		return "IN";
	case 3:
		return "CH";
	case 4:
		return "HS";
	case 254:
		return "NONE";
	case 255:
		return "ANY";
	default:
		return numbered("CLASS", rclass, buf);
	}
}

const char *dns_rcode_str(uint16_t rcode, char buf[16])
{
	if (rcode < N_RCODES && rcodes[rcode])
		return rcodes[rcode];
	return numbered("RCODE", rcode, buf);
}

const char *dns_opcode_str(uint8_t opcode, char buf[16])
{
	if (opcode < N_OPCODES && opcodes[opcode])
		return opcodes[opcode];
	return numbered("OPCODE", opcode, buf);
}

/* "TYPE123" / "RCODE23": the generic form of RFC 3597, value must fit 16 bits. */
static int parse_numbered(const char *s, const char *prefix, uint16_t *out)
{
	size_t n = strlen(prefix);
	unsigned long v;
	char *end;

	if (strncasecmp(s, prefix, n) || s[n] < '0' || s[n] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s + n, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int dns_type_from_str(const char *s, uint16_t *type)
{
	if (!s || !type)
		return -EINVAL;
	for (size_t i = 0; i < N_TYPES_LOW; i++) {
		if (types_low[i] && !strcasecmp(s, types_low[i])) {
			*type = (uint16_t)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "TA")) {
		*type = 32768;
		return 0;
	}
	if (!strcasecmp(s, "DLV")) {
		*type = 32769;
		return 0;
	}
	return parse_numbered(s, "TYPE", type);
}

int dns_rcode_from_str(const char *s, uint16_t *rcode)
{
	if (!s || !rcode)
		return -EINVAL;
	for (size_t i = 0; i < N_RCODES; i++) {
		if (rcodes[i] && !strcasecmp(s, rcodes[i])) {
			*rcode = (uint16_t)i;
			return 0;
		}
	}
	return parse_numbered(s, "RCODE", rcode);
}
