// SPDX-License-Identifier: MIT
/* Endpoint syntax checks (zmq endpoints, syslog addresses): pure, no I/O. */
#include "outputs/zmq_endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define HOST_MAX 255 /* a DNS name, or an interface name */

/* "1".."65535"; "*" too when wild (bind to an ephemeral port). */
static bool port_ok(const char *p, bool wild)
{
	unsigned long v;

	if (wild && strcmp(p, "*") == 0)
		return true;
	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5)
		return false;
	v = strtoul(p, NULL, 10);
	return v >= 1 && v <= 65535;
}

/* Hostname, IPv4, interface name, "[v6]" or (when wild) "*". */
static bool host_ok(const char *h, size_t len, bool wild)
{
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	char v6[INET6_ADDRSTRLEN + 16];
	struct in6_addr a6;

	if (len == 0 || len > HOST_MAX)
		return false;
	if (h[0] == '[') {
		const char *pct;
		size_t n = len - 2;

		if (len < 3 || h[len - 1] != ']' || n >= sizeof(v6))
			return false;
		memcpy(v6, h + 1, n);
		v6[n] = '\0';
		pct = strchr(v6, '%'); /* [fe80::1%eth0] */
		if (pct)
			v6[pct - v6] = '\0';
		return inet_pton(AF_INET6, v6, &a6) == 1;
	}
	if (wild && len == 1 && h[0] == '*')
		return true;
	for (size_t i = 0; i < len; i++)
		if (!strchr(name_chars, h[i]))
			return false;
	return true;
}

/* HOST:PORT, the port after the last colon (so [v6]:PORT works). */
static bool host_port_ok(const char *hp, size_t len, bool wild)
{
	const char *colon = NULL;
	char port[8];
	size_t plen;

	for (size_t i = 0; i < len; i++)
		if (hp[i] == ':')
			colon = hp + i;
	if (!colon)
		return false;
	plen = len - (size_t)(colon + 1 - hp);
	if (plen >= sizeof(port))
		return false;
	memcpy(port, colon + 1, plen);
	port[plen] = '\0';
	return host_ok(hp, (size_t)(colon - hp), wild) && port_ok(port, wild);
}

static bool path_ok(const char *p)
{
	return *p && strlen(p) < sizeof(((struct sockaddr_un *)0)->sun_path);
}

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t why_size, const char *fmt,
						      ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int dt_zmq_endpoint_check(const char *ep, bool connect, char *why, size_t why_size)
{
	if (!ep)
		return fail(why, why_size, "%s", "missing endpoint");
	if (strncmp(ep, "tcp://", 6) == 0) {
		const char *a = ep + 6, *semi = connect ? strchr(a, ';') : NULL;

		/* a connect may name its source first: tcp://SRC[:PORT];HOST:PORT */
		if (semi) {
			bool src = host_port_ok(a, (size_t)(semi - a), true) ||
				   host_ok(a, (size_t)(semi - a), true);

			if (!src)
				return fail(why, why_size, "\"%s\": bad source address", ep);
			a = semi + 1;
		}
		/* bind takes "*" for any address/port; connect needs both */
		if (!host_port_ok(a, strlen(a), !connect))
			return fail(why, why_size,
				    connect ? "\"%s\" is not tcp://HOST:PORT (port 1-65535)"
					    : "\"%s\" is not tcp://HOST:PORT or tcp://*:PORT "
					      "(port 1-65535)",
				    ep);
		return 0;
	}
	if (strncmp(ep, "ipc://", 6) == 0) {
		if (!path_ok(ep + 6))
			return fail(why, why_size,
				    "\"%s\": ipc:// needs a socket path (under 108 bytes)", ep);
		return 0;
	}
	if (strncmp(ep, "inproc://", 9) == 0) {
		if (!ep[9])
			return fail(why, why_size, "\"%s\": inproc:// needs a name", ep);
		return 0;
	}
	return fail(why, why_size,
		    "\"%s\" is not a ZeroMQ endpoint (tcp://HOST:PORT, ipc://PATH, inproc://NAME)",
		    ep);
}

int dt_syslog_address_check(const char *addr, char *why, size_t why_size)
{
	if (!addr)
		return fail(why, why_size, "%s", "missing address");
	if (strncmp(addr, "unix://", 7) == 0) {
		if (!path_ok(addr + 7))
			return fail(why, why_size,
				    "\"%s\": unix:// needs a socket path (under 108 bytes)", addr);
		return 0;
	}
	if (strncmp(addr, "udp://", 6) == 0 || strncmp(addr, "tcp://", 6) == 0) {
		if (!host_port_ok(addr + 6, strlen(addr + 6), false))
			return fail(why, why_size, "\"%s\" needs HOST:PORT (port 1-65535)", addr);
		return 0;
	}
	return fail(why, why_size, "\"%s\" is not unix://PATH, udp://HOST:PORT or tcp://HOST:PORT",
		    addr);
}
