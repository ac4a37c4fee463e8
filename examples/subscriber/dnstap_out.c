/* SPDX-License-Identifier: MIT */
/* struct dt_record -> dnstap.Dnstap frames through libfstrm's file writer. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fstrm.h>

#include "dnstap/dnstap.pb-c.h"
#include "dnstap_out.h"

#define CONTENT_TYPE "protobuf:dnstap.Dnstap"

struct dt_dnstap_out {
	struct fstrm_writer *w;
	uint8_t *buf;
	size_t cap;
};

int dt_dnstap_open(const char *path, struct dt_dnstap_out **out)
{
	struct fstrm_file_options *fopt;
	struct fstrm_writer_options *wopt;
	struct dt_dnstap_out *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	fopt = fstrm_file_options_init();
	wopt = fstrm_writer_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	fstrm_writer_options_add_content_type(wopt, CONTENT_TYPE, strlen(CONTENT_TYPE));
	d->w = fstrm_file_writer_init(fopt, wopt);
	fstrm_file_options_destroy(&fopt);
	fstrm_writer_options_destroy(&wopt);
	if (!d->w) {
		free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

void dt_dnstap_close(struct dt_dnstap_out *d)
{
	if (!d)
		return;
	if (d->w)
		fstrm_writer_destroy(&d->w);
	free(d->buf);
	free(d);
}

/* Resolvers that forward what applications ask: their queries go upstream. */
static bool is_resolver(const char *name)
{
	static const char *const names[] = {
	    "systemd-resolve", "dnsmasq", "unbound", "named", "pdns_recursor", "kresd", "coredns",
	    "knot-resolver",   "dnsdist", "stubby",  NULL,
	};

	for (int i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

int dt_dnstap_query_type(const struct dt_record *rec)
{
	if (rec->has_process && is_resolver(rec->process.name))
		return DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY;
	return DNSTAP__MESSAGE__TYPE__STUB_QUERY;
}

static void json_str(char **p, char *end, const char *key, const char *v)
{
	int n = snprintf(*p, (size_t)(end - *p), ",\"%s\":\"", key);

	if (n < 0 || n >= end - *p)
		return;
	*p += n;
	for (; *v && end - *p > 8; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			*(*p)++ = '\\', *(*p)++ = (char)c;
		else if (c < 0x20)
			*p += snprintf(*p, (size_t)(end - *p), "\\u%04x", c);
		else
			*(*p)++ = (char)c;
	}
	if (end - *p > 1)
		*(*p)++ = '"';
	**p = '\0';
}

/* Dnstap.extra: who asked, as JSON (dnstap leaves the format to us). */
static size_t make_extra(const struct dt_record *rec, char *buf, size_t size)
{
	char *p = buf, *end = buf + size;
	int n;

	n = snprintf(p, size, "{\"status\":\"%s\"", dt_status_str(rec->status));
	p += n > 0 && (size_t)n < size ? n : 0;
	if (rec->has_process) {
		const struct dt_process *pr = &rec->process;

		n = snprintf(p, (size_t)(end - p),
			     ",\"pid\":%u,\"tid\":%u,\"ppid\":%u,\"uid\":%u,\"gid\":%u", pr->pid,
			     pr->tid, pr->ppid, pr->uid, pr->gid);
		p += n > 0 && n < end - p ? n : 0;
		json_str(&p, end, "process", pr->name);
		json_str(&p, end, "thread", pr->thread_name);
		if (pr->exe[0])
			json_str(&p, end, "exe", pr->exe);
		if (pr->container_id[0])
			json_str(&p, end, "container_id", pr->container_id);
	}
	if (end - p > 1)
		*p++ = '}';
	*p = '\0';
	return (size_t)(p - buf);
}

static int write_frame(struct dt_dnstap_out *d, const Dnstap__Dnstap *tap)
{
	size_t need = dnstap__dnstap__get_packed_size(tap);

	if (need > d->cap) {
		uint8_t *nb = realloc(d->buf, need);

		if (!nb)
			return -ENOMEM;
		d->buf = nb;
		d->cap = need;
	}
	dnstap__dnstap__pack(tap, d->buf);
	return fstrm_writer_write(d->w, d->buf, need) == fstrm_res_success ? 0 : -EIO;
}

int dt_dnstap_write(struct dt_dnstap_out *d, const struct dt_record *rec, const char *identity,
		    const char *version)
{
	Dnstap__Dnstap tap = DNSTAP__DNSTAP__INIT;
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	char extra[1024], ver[64];
	size_t alen = rec->family == 6 ? 16 : 4;
	int qtype = dt_dnstap_query_type(rec), frames = 0, rc;

	snprintf(ver, sizeof(ver), "dnstrail %s", version ? version : "");
	tap.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	tap.has_identity = tap.has_version = tap.has_extra = true;
	tap.identity.data = (uint8_t *)(identity ? identity : "");
	tap.identity.len = strlen((const char *)tap.identity.data);
	tap.version.data = (uint8_t *)ver;
	tap.version.len = strlen(ver);
	tap.extra.len = make_extra(rec, extra, sizeof(extra));
	tap.extra.data = (uint8_t *)extra;
	tap.message = &m;

	if (rec->family == 4 || rec->family == 6) {
		m.has_socket_family = true;
		m.socket_family =
		    rec->family == 6 ? DNSTAP__SOCKET_FAMILY__INET6 : DNSTAP__SOCKET_FAMILY__INET;
		m.has_query_address = m.has_response_address = true;
		m.query_address = (ProtobufCBinaryData){alen, (uint8_t *)rec->src_ip};
		m.response_address = (ProtobufCBinaryData){alen, (uint8_t *)rec->dst_ip};
	}
	m.has_socket_protocol = true;
	m.socket_protocol =
	    rec->transport == 6 ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
	m.has_query_port = m.has_response_port = true;
	m.query_port = rec->src_port;
	m.response_port = rec->dst_port;
	if (rec->query_ts_ns) {
		m.has_query_time_sec = m.has_query_time_nsec = true;
		m.query_time_sec = rec->query_ts_ns / 1000000000ull;
		m.query_time_nsec = (uint32_t)(rec->query_ts_ns % 1000000000ull);
	}

	if (rec->query_wire && rec->query_wire_len) {
		m.type = (Dnstap__Message__Type)qtype;
		m.has_query_message = true;
		m.query_message =
		    (ProtobufCBinaryData){rec->query_wire_len, (uint8_t *)rec->query_wire};
		rc = write_frame(d, &tap);
		if (rc)
			return rc;
		frames++;
		m.has_query_message = false;
	}
	if (rec->response_wire && rec->response_wire_len) {
		m.type = (Dnstap__Message__Type)(qtype + 1);
		if (rec->response_ts_ns) {
			m.has_response_time_sec = m.has_response_time_nsec = true;
			m.response_time_sec = rec->response_ts_ns / 1000000000ull;
			m.response_time_nsec = (uint32_t)(rec->response_ts_ns % 1000000000ull);
		}
		m.has_response_message = true;
		m.response_message =
		    (ProtobufCBinaryData){rec->response_wire_len, (uint8_t *)rec->response_wire};
		rc = write_frame(d, &tap);
		if (rc)
			return rc;
		frames++;
	}
	return frames;
}
