/* SPDX-License-Identifier: MIT */
/*
 * DNS message decoder: RFC 1035 wire format to a bounded, self-contained
 * structure with names and record data in presentation format.
 *
 * Pure C: no I/O, no logging, no allocation. Everything lives inside
 * struct dns_msg (strings point into msg->text). Safe on hostile input:
 * compression loops, counts beyond the data, over-long labels and names
 * make dns_decode() return a negative errno and set msg->error, while keeping
 * whatever could be read (header, question, the records before the fault).
 */
#ifndef DT_DNS_H
#define DT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_MAX_RR 128 /* records kept per message, all sections together */
#define DNS_TEXT_MAX 32768 /* presentation text storage per message */
#define DNS_NAME_MAX 1025 /* presentation name incl. escapes + NUL */

/* Header flag bits as in the wire header's second 16-bit word. */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

enum dns_section { DNS_SECTION_ANSWER, DNS_SECTION_AUTHORITY, DNS_SECTION_ADDITIONAL };

struct dns_rr {
	const char *name; /* presentation, no trailing dot ("" for the root) */
	const char *data; /* presentation rdata, e.g. "10 mail.example.com" */
	const uint8_t *rdata; /* raw rdata inside the decoded wire buffer */
	uint32_t ttl;
	uint16_t type;
	uint16_t rclass;
	uint16_t rdlength;
	uint8_t section; /* enum dns_section */
};

struct dns_edns {
	bool present;
	bool dnssec_ok;
	uint8_t version;
	uint16_t udp_size;
	uint8_t ext_rcode_hi; /* upper 8 bits of the 12-bit rcode */
	int32_t ede_code; /* extended DNS error (RFC 8914), -1 if none */
	const char *ede_text; /* may be NULL */
	const char *client_subnet; /* "192.0.2.0/24/0", NULL if none */
	const char *cookie; /* hex, NULL if none */
};

/* A field added here is one more for dns_msg_head_get()/put() to carry. */
struct dns_msg {
	/* header */
	uint16_t id;
	uint16_t flags; /* raw flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode) */
	uint8_t opcode;
	uint16_t rcode; /* 12-bit, with the EDNS extension applied */
	uint16_t qdcount, ancount, nscount, arcount; /* as on the wire */

	/* first question (has_question false if qdcount == 0 or unreadable) */
	bool has_question;
	const char *qname; /* presentation, no trailing dot, lowercase kept as sent */
	uint16_t qtype;
	uint16_t qclass;

	/* records, in wire order: answers, then authority, then additional;
	 * the OPT pseudo-record is not among them, it is parsed into edns */
	struct dns_rr rr[DNS_MAX_RR];
	uint16_t n_rr;
	uint16_t n_answer, n_authority, n_additional; /* kept, per section */
	bool rr_truncated; /* more records on the wire than DNS_MAX_RR */

	struct dns_edns edns;

	/* decode result */
	int error; /* 0, or negative errno of the first fault */
	const char *error_text; /* static string naming the fault, NULL if none */

	/* storage for every string above */
	size_t text_used;
	char text[DNS_TEXT_MAX];
};

/*
 * Decode one DNS message (no TCP length prefix). Returns 0 on success or a
 * negative errno (-EBADMSG malformed, -EMSGSIZE name/label too long,
 * -ELOOP compression loop, -ENOSPC text storage exhausted) with msg filled
 * as far as it could be read.
 */
int dns_decode(const uint8_t *wire, size_t len, struct dns_msg *msg);

/*
 * dns_decode() with options. keep picks the record sections whose records
 * are kept (presented into msg->rr); the others are still walked, so the
 * header counts, an OPT record (parsed into msg->edns) and faults in their
 * names and record headers are found, but their names and data are neither
 * presented nor checked. ref_wire/ref_len/ref_qname as in dns_decode_qname().
 */
#define DNS_KEEP_ANSWER (1u << DNS_SECTION_ANSWER)
#define DNS_KEEP_AUTHORITY (1u << DNS_SECTION_AUTHORITY)
#define DNS_KEEP_ADDITIONAL (1u << DNS_SECTION_ADDITIONAL)
#define DNS_KEEP_ALL (DNS_KEEP_ANSWER | DNS_KEEP_AUTHORITY | DNS_KEEP_ADDITIONAL)

struct dns_decode_opts {
	unsigned keep; /* DNS_KEEP_* bits; 0 means DNS_KEEP_ALL */
	const uint8_t *ref_wire;
	size_t ref_len;
	const char *ref_qname; /* NULL: no reference */
};
int dns_decode_with(const uint8_t *wire, size_t len, struct dns_msg *msg,
		    const struct dns_decode_opts *opts);

/*
 * dns_decode() of a message whose first question may repeat another's (a
 * query and its response): ref_qname is the text dns_decode() made of the
 * first question's name in ref_wire[0..ref_len). When the message's name
 * has the same bytes, msg->qname is ref_qname instead of a new copy (valid
 * only as long as ref_qname is). Same result as dns_decode() otherwise;
 * ref_qname may be NULL.
 */
int dns_decode_qname(const uint8_t *wire, size_t len, struct dns_msg *msg, const uint8_t *ref_wire,
		     size_t ref_len, const char *ref_qname);

/*
 * An empty message (no header, question, records, EDNS or error) as every
 * decode starts from; also for other decoders filling a struct dns_msg
 * (wire/record_unpack.c). Not the whole struct: rr[] and text are written
 * as they fill.
 */
void dns_msg_reset(struct dns_msg *msg);

/*
 * A decoded message that holds no records (a plain query, with or without
 * EDNS), kept small for later: header, the first question's type and class,
 * EDNS without options. dns_msg_head_get() fills h and returns true when
 * that is all m holds (no records, EDNS options or error); dns_msg_head_put()
 * makes m what decoding that message gives, qname being the text of its
 * question's name (m->qname points at it).
 */
struct dns_msg_head {
	uint16_t id, flags, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t qtype, qclass;
	uint16_t udp_size;
	uint8_t opcode;
	bool has_question;
	bool edns, dnssec_ok;
	uint8_t edns_version, ext_rcode_hi;
};
bool dns_msg_head_get(const struct dns_msg *m, struct dns_msg_head *h);
void dns_msg_head_put(struct dns_msg *m, const struct dns_msg_head *h, const char *qname);

/* Mnemonics; unknown values come out as "TYPE65280", "CLASS7", "RCODE24". */
const char *dns_type_str(uint16_t type, char buf[16]);
const char *dns_class_str(uint16_t rclass, char buf[16]);
const char *dns_rcode_str(uint16_t rcode, char buf[16]);
const char *dns_opcode_str(uint8_t opcode, char buf[16]);
/* Parse a mnemonic ("AAAA", "TYPE28") back; returns -EINVAL if unknown. */
int dns_type_from_str(const char *s, uint16_t *type);
int dns_rcode_from_str(const char *s, uint16_t *rcode);

/*
 * Registered domain (eTLD+1) of a presentation name via libpsl, written to
 * out; returns 0, or -ENOENT when the name has none (e.g. "com", "localhost").
 */
int dns_registered_domain(const char *name, char *out, size_t out_len);
/* Release the public suffix list loaded by dns_registered_domain(). */
void dns_registered_domain_cleanup(void);

#endif
