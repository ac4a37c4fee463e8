/* SPDX-License-Identifier: MIT */
/*
 * Internal helpers of the decoder: a bounded text writer over the message's
 * text storage, and the name reader shared by the question, owner names and
 * names inside record data. Not part of the public interface.
 */
#ifndef DT_DNS_INTERNAL_H
#define DT_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"

/* Compression pointers followed per name; targets strictly decrease anyway. */
#define DNS_MAX_HOPS 127

/* Bounded writer: on overflow it stops writing and remembers it. */
struct dns_out {
	char *buf;
	size_t cap; /* bytes usable, one kept back for the NUL */
	size_t len;
	bool full;
};

static inline void dns_out_c(struct dns_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
	else
		o->full = true;
}

static inline void dns_out_mem(struct dns_out *o, const char *s, size_t n)
{
	if (o->len + n < o->cap) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
	} else {
		o->full = true;
	}
}

static inline void dns_out_s(struct dns_out *o, const char *s)
{
	dns_out_mem(o, s, strlen(s));
}

/* Start writing at the free end of msg->text. */
static inline void dns_out_begin(struct dns_msg *msg, struct dns_out *o)
{
	o->buf = msg->text + msg->text_used;
	o->cap = DNS_TEXT_MAX - msg->text_used;
	o->len = 0;
	o->full = false;
}

/* NUL-terminate and claim the text; -ENOSPC when it did not fit. */
int dns_out_end(struct dns_msg *msg, struct dns_out *o, const char **res);

void dns_out_u32(struct dns_out *o, uint32_t v);
void dns_out_hex(struct dns_out *o, const uint8_t *p, size_t n, bool upper);
void dns_out_base64(struct dns_out *o, const uint8_t *p, size_t n);
void dns_out_ipv4(struct dns_out *o, const uint8_t *p);
void dns_out_ipv6(struct dns_out *o, const uint8_t *p);
/* A <character-string> body, quoted, with '"' '\' escaped and others as \DDD. */
void dns_out_quoted(struct dns_out *o, const uint8_t *p, size_t n);
/* Same escaping, without the quotes. */
void dns_out_escaped(struct dns_out *o, const uint8_t *p, size_t n);
/* \DDD */
void dns_out_ddd(struct dns_out *o, uint8_t b);
/* YYYYMMDDHHMMSS of a 32-bit DNSSEC time. */
void dns_out_time(struct dns_out *o, uint32_t t);

/*
 * Presentations already made, by the wire offset of the label they start
 * at: a later name that is just a pointer to one of them reuses the string
 * (names are immutable once written). Direct-mapped, per message.
 */
#define DNS_NC_SLOTS 64
struct dns_name_cache {
	uint16_t key[DNS_NC_SLOTS]; /* wire offset + 1; 0 = empty */
	uint8_t hops[DNS_NC_SLOTS]; /* pointers followed from there on */
	const char *text[DNS_NC_SLOTS];
};

/*
 * Read the (possibly compressed) name at *off in wire[0..len). On success
 * *off is past the name's in-place bytes. When o is non-NULL the
 * presentation form (escaped, no trailing dot) is appended; the root comes
 * out as "." when root_dot, else as "". Returns 0, -EBADMSG (runs past the
 * data, bad label type), -EMSGSIZE (label > 63, name > 255) or -ELOOP
 * (pointer not strictly backwards, too many hops). *why names the fault.
 */
int dns_name_read(const uint8_t *wire, size_t len, size_t *off, struct dns_out *o, bool root_dot,
		  const char **why);
/* Same, and on success records every label's suffix in nc (o must be non-NULL
 * and its text claimed with dns_out_end() right after). */
int dns_name_read_cached(const uint8_t *wire, size_t len, size_t *off, struct dns_out *o,
			 bool root_dot, struct dns_name_cache *nc, const char **why);

/*
 * Present the rdata of one record (rdata at wire[off..off+rdlen), inside
 * the message wire[0..len) for compression). Returns 0 or -EBADMSG/-EMSGSIZE
 * /-ELOOP with *why set; o->full signals storage exhaustion.
 */
int dns_rdata_present(const uint8_t *wire, size_t len, size_t off, uint16_t rdlen, uint16_t type,
		      struct dns_out *o, const char **why);

/* SVCB/HTTPS SvcParams (RFC 9460) at p[0..n), appended as " key=value...". */
int dns_svcparams_present(const uint8_t *p, size_t n, struct dns_out *o, const char **why);

/* RFC 3597 "\# len hex". */
void dns_rdata_unknown(const uint8_t *p, size_t n, struct dns_out *o);

/* Parse one OPT record (class, ttl, rdata) into msg->edns. */
int dns_edns_parse(struct dns_msg *msg, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		   uint16_t rdlen, const char **why);

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
