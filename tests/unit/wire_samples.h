/* SPDX-License-Identifier: MIT */
/*
 * Names of every recorded query/response pair in tests/data/wire
 * (NAME.query.bin, NAME.response.bin; tests/data/record-wire.py records them).
 */
#ifndef DT_TEST_WIRE_SAMPLES_H
#define DT_TEST_WIRE_SAMPLES_H

static const char *const wire_samples[] = {
    "a",	   "aaaa",	   "caa",	  "cname_chain", "dnskey",
    "ds",	   "edns_options", "hinfo",	  "https",	 "many_tcp",
    "many_udp_tc", "mx",	   "ns",	  "nxdomain",	 "ptr",
    "refused",	   "soa",	   "srv",	  "svcb",	 "svcb_alias",
    "txt",	   "unknown_type", "weird_owner",
};
#define N_WIRE_SAMPLES (sizeof(wire_samples) / sizeof(wire_samples[0]))

#endif
