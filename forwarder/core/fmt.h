/* SPDX-License-Identifier: MIT */
/* Small, fast formatters shared by the ECS JSON and text outputs. */
#ifndef DT_FMT_H
#define DT_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Longest outputs, NUL included. */
#define DT_FMT_TIME_MAX 32 /* 2026-11-26T13:08:01.123456789Z */
#define DT_FMT_IP_MAX 46 /* INET6_ADDRSTRLEN */

/*
 * RFC 3339 UTC time of ns since the epoch with `digits` fraction digits
 * (0, 3, 6 or 9; 0 = no fraction). Returns the length (NUL-terminated).
 */
size_t dt_fmt_time(uint64_t ns, unsigned digits, char buf[DT_FMT_TIME_MAX]);
/* Address in presentation form; family 4 or 6. Returns the length. */
size_t dt_fmt_ip(uint8_t family, const uint8_t addr[16], char buf[DT_FMT_IP_MAX]);
/* Decimal digits of v into buf (no NUL); returns the count (<= 20). */
size_t dt_fmt_u64(uint64_t v, char buf[20]);

#endif
