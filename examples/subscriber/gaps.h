/* SPDX-License-Identifier: MIT */
/*
 * Loss accounting from sequence numbers, per publisher session
 * (host, session_id). Every publisher numbers its messages 1, 2, 3... with
 * no holes, DNS events and stats alike; a hole is proven loss. A new session
 * id is a new publisher run (restart), not loss. The table is bounded: the
 * least recently heard session is forgotten first.
 */
#ifndef DT_SUB_GAPS_H
#define DT_SUB_GAPS_H

#include <stddef.h>
#include <stdint.h>

enum dt_gap_kind {
	DT_GAP_FIRST, /* first message of a session we did not know */
	DT_GAP_NONE,  /* the next sequence number */
	DT_GAP_LOSS,  /* a hole: *lost messages missing before this one */
	DT_GAP_OLD,   /* a sequence number at or below one already seen */
};

struct dt_gaps_counts {
	uint64_t gaps;	     /* holes seen */
	uint64_t lost;	     /* messages the holes prove missing */
	uint64_t publishers; /* sessions seen */
	uint64_t restarts;   /* sessions of a host already seen under another id */
};

struct dt_gaps;

int dt_gaps_new(size_t max_sessions, struct dt_gaps **gaps);
void dt_gaps_free(struct dt_gaps *gaps);

/* Account one message; *lost (may be NULL) gets the size of the hole, and
 * *expected the first missing sequence number when kind is DT_GAP_LOSS. */
enum dt_gap_kind dt_gaps_see(struct dt_gaps *gaps, const char *host, uint64_t session_id,
			     uint64_t sequence, uint64_t *lost, uint64_t *expected);

const struct dt_gaps_counts *dt_gaps_counts(const struct dt_gaps *gaps);

#endif
