/* SPDX-License-Identifier: MIT */
/* Clock readings in nanoseconds. CLOCK_MONOTONIC is the clock of the BPF
 * programs' timestamps (bpf_ktime_get_ns()), of timeouts and intervals. */
#ifndef DNSTRAIL_CLOCK_H
#define DNSTRAIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t dt_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t dt_now_mono_ns(void)
{
	return dt_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t dt_now_real_ns(void)
{
	return dt_clock_ns(CLOCK_REALTIME);
}

#endif
