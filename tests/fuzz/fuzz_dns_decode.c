// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: dns_decode() on arbitrary bytes must never crash, must
 * keep its own invariants, and the mnemonic helpers must round-trip.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"

static struct dns_msg msg;

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_str(const char *s)
{
	CHECK(s);
	CHECK(s >= msg.text && s < msg.text + DNS_TEXT_MAX);
	CHECK(strlen(s) < DNS_TEXT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[16], reg[256];
	uint16_t back;
	int rc = dns_decode(data, size, &msg);

	CHECK(rc == msg.error);
	CHECK((rc == 0) == (msg.error_text == NULL));
	CHECK(msg.text_used <= DNS_TEXT_MAX);
	CHECK(msg.n_rr <= DNS_MAX_RR);
	CHECK(msg.n_answer + msg.n_authority + msg.n_additional == msg.n_rr);
	if (msg.has_question) {
		check_str(msg.qname);
		CHECK(strlen(msg.qname) < DNS_NAME_MAX);
		(void)dns_registered_domain(msg.qname, reg, sizeof(reg));
		CHECK(dns_type_from_str(dns_type_str(msg.qtype, buf), &back) == 0 &&
		      back == msg.qtype);
	}
	for (unsigned i = 0; i < msg.n_rr; i++) {
		const struct dns_rr *rr = &msg.rr[i];

		check_str(rr->name);
		check_str(rr->data);
		CHECK(rr->rdata >= data && rr->rdata + rr->rdlength <= data + size);
		CHECK(rr->type != 41);
	}
	if (msg.edns.client_subnet)
		check_str(msg.edns.client_subnet);
	if (msg.edns.cookie)
		check_str(msg.edns.cookie);
	if (msg.edns.ede_text)
		check_str(msg.edns.ede_text);
	CHECK(dns_rcode_from_str(dns_rcode_str(msg.rcode, buf), &back) == 0 && back == msg.rcode);
	return 0;
}
