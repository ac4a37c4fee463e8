/* SPDX-License-Identifier: MIT */
/*
 * One transaction as one readable line (no newline), e.g.
 *   2026-11-26T13:08:01.123Z dig[4242] uid=0 udp 10.0.0.1:53011 -> 10.0.0.2:53
 *       A www.example.com NOERROR 1.2ms 192.0.2.1,192.0.2.2
 * The result column is the rcode for an answered query, TIMEOUT for an
 * unanswered one, "ORPHAN <rcode>" for a response without query and
 * "MALFORMED(<reason>)" for a message that did not decode. The unknown
 * process is "-". At most 10 answers, then ",+N" for the others. Flags
 * end the line: [retransmitted,truncated,nonlinear].
 */
#ifndef DT_TEXT_FORMAT_H
#define DT_TEXT_FORMAT_H

#include <stddef.h>

#include "core/record.h"

/* Returns the length written (NUL-terminated) or -ENOSPC. Answers that do
 * not fit are cut with ",..." (needs room for everything before them). */
int dt_text_format(const struct dt_record *rec, char *buf, size_t size);

#endif
