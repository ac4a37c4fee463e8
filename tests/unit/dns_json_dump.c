// SPDX-License-Identifier: MIT
/*
 * Helper of tests/data/dns-differential.py (not a test on its own): decodes
 * each file named on the command line and prints one JSON line per file
 * with the result and every record (section, type, class, name, data).
 */
#include <stdio.h>

#include "dns/dns.h"

static struct dns_msg msg;
static uint8_t buf[65536];

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");
		size_t n;
		int rc;

		if (!f) {
			perror(argv[a]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		rc = dns_decode(buf, n, &msg);
		printf("{\"file\":");
		json_str(argv[a]);
		printf(",\"rc\":%d,\"truncated\":%d,\"err\":", rc, msg.rr_truncated);
		json_str(msg.error_text ? msg.error_text : "");
		printf(",\"qname\":");
		json_str(msg.has_question ? msg.qname : "");
		printf(",\"rrs\":[");
		for (unsigned i = 0; i < msg.n_rr; i++) {
			printf("%s[%u,%u,%u,", i ? "," : "", msg.rr[i].section, msg.rr[i].type,
			       msg.rr[i].rclass);
			json_str(msg.rr[i].name);
			putchar(',');
			json_str(msg.rr[i].data);
			putchar(']');
		}
		printf("]}\n");
	}
	return 0;
}
