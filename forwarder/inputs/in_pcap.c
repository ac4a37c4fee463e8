// SPDX-License-Identifier: MIT
/*
 * The `pcap` input: replays a pcap or pcapng file through the engine. Needs
 * no privileges. Timestamps come from the file (nanosecond precision when
 * the file has it) and drive the engine's clock, so queries time out by the
 * file's time. No direction and no process are known. IP fragments of UDP
 * go to the engine, which reassembles them.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "inputs/frame_parse.h"
#include "pipeline/plugin.h"

/* stdio's default 4 KiB buffer costs one read(2) per ~30 packets */
#define PCAP_FILE_BUFFER (256 * 1024)

struct pcap_ctx {
	/* options */
	char *path;
	int64_t *ports;
	size_t n_ports;
	int64_t batch;
	char *bpf_filter;

	/* state */
	struct dt_engine *engine;
	pcap_t *pcap;
	int linktype;
	uint64_t last_ts_ns;
	uint8_t port_set[65536 / 8];
	char file_buf[PCAP_FILE_BUFFER]; /* the capture file's stdio buffer, until pcap_close */
};

static const struct dt_option pcap_options[] = {
    DT_OPT_STR_REQ("path", struct pcap_ctx, path, "pcap or pcapng file to read"),
    DT_OPT_INT_LIST("ports", struct pcap_ctx, ports, n_ports, "[53]", 1, 65535,
		    "UDP/TCP ports whose packets are DNS (either end)"),
    DT_OPT_INT("batch", struct pcap_ctx, batch, "4096", 1, 1000000,
	       "packets fed to the engine per main-loop turn"),
    DT_OPT_STR("bpf_filter", struct pcap_ctx, bpf_filter, NULL,
	       "extra pcap-filter(7) expression applied before the port check"),
    {0},
};

static bool port_is_dns(const struct pcap_ctx *c, uint16_t port)
{
	return c->port_set[port >> 3] & (1u << (port & 7));
}

static bool link_supported(int lt)
{
	switch (lt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DT_LINK_IPV4:
	case DT_LINK_IPV6:
	case DT_LINK_LINUX_SLL2:
	case DT_LINK_RAW_LT:
		return true;
	default:
		return false;
	}
}

static int set_filter(struct pcap_ctx *c, struct dt_errbuf *err)
{
	struct bpf_program prog;

	if (!c->bpf_filter || !*c->bpf_filter)
		return 0;
	if (pcap_compile(c->pcap, &prog, c->bpf_filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err->msg, sizeof(err->msg), "pcap: bpf_filter \"%s\": %s", c->bpf_filter,
			 pcap_geterr(c->pcap));
		return -EINVAL;
	}
	if (pcap_setfilter(c->pcap, &prog) < 0) {
		snprintf(err->msg, sizeof(err->msg), "pcap: bpf_filter: %s", pcap_geterr(c->pcap));
		pcap_freecode(&prog);
		return -EINVAL;
	}
	pcap_freecode(&prog);
	return 0;
}

/* The capture at path ("-": standard input), read through buf (which must
 * outlive the pcap_t: glibc takes a size only with a buffer); pcap_close()
 * closes the file. NULL with errbuf set. */
static pcap_t *open_capture(const char *path, char buf[PCAP_FILE_BUFFER],
			    char errbuf[PCAP_ERRBUF_SIZE])
{
	pcap_t *p;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							       errbuf);
	f = fopen(path, "rbe");
	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	setvbuf(f, buf, _IOFBF, PCAP_FILE_BUFFER);
	/* Only this thread reads the file: without stdio's lock, the two
	 * fread()s per packet skip two atomic operations each (~23 ns a
	 * packet here once libzmq's threads make the process multithreaded). */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fclose(f);
	return p;
}

static int in_pcap_init(void *ctx, struct dt_engine *engine, struct dt_errbuf *err)
{
	struct pcap_ctx *c = ctx;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc;

	if (!c->path) {
		snprintf(err->msg, sizeof(err->msg), "pcap: path is required");
		return -EINVAL;
	}
	c->engine = engine;
	memset(c->port_set, 0, sizeof(c->port_set));
	for (size_t i = 0; i < c->n_ports; i++)
		c->port_set[c->ports[i] >> 3] |= (uint8_t)(1u << (c->ports[i] & 7));
	if (c->n_ports == 0)
		c->port_set[53 >> 3] |= 1u << (53 & 7);
	if (c->batch <= 0)
		c->batch = 4096;

	c->pcap = open_capture(c->path, c->file_buf, errbuf);
	if (!c->pcap) {
		snprintf(err->msg, sizeof(err->msg), "pcap: cannot read %s: %s", c->path, errbuf);
		return -ENOENT;
	}
	c->linktype = pcap_datalink(c->pcap);
	if (!link_supported(c->linktype)) {
		const char *name = pcap_datalink_val_to_name(c->linktype);

		snprintf(err->msg, sizeof(err->msg),
			 "pcap: %s: link type %s (%d) is not supported (Ethernet, Linux cooked "
			 "SLL/SLL2, raw IP and loopback are)",
			 c->path, name ? name : "unknown", c->linktype);
		rc = -ENOTSUP;
		goto err_close;
	}
	rc = set_filter(c, err);
	if (rc)
		goto err_close;
	return 0;

err_close:
	pcap_close(c->pcap);
	c->pcap = NULL;
	return rc;
}

static int in_pcap_poll_fd(void *ctx)
{
	return -1;
}

/* One frame: parse, keep DNS ports, hand to the engine. */
static void in_pcap_frame(struct pcap_ctx *c, const struct pcap_pkthdr *h, const uint8_t *data)
{
	struct dt_packet pkt;
	int rc;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	/* every frame moves the file's clock, DNS or not */
	if (pkt.ts_ns > c->last_ts_ns)
		c->last_ts_ns = pkt.ts_ns;
	pkt.direction = DT_DIR_UNKNOWN;
	rc = dt_frame_parse(c->linktype, data, h->caplen, h->len, &pkt);
	if (rc)
		return; /* not IP/UDP/TCP, a TCP fragment, or a broken frame */
	/* a later IP fragment has no ports: the engine keeps it only while the
	 * datagram's first fragment (with DNS ports) may still come */
	if (!port_is_dns(c, pkt.sport) && !port_is_dns(c, pkt.dport) &&
	    !((pkt.flags & DT_PKT_FRAGMENT) && pkt.frag_offset))
		return;
	dt_engine_packet(c->engine, &pkt);
}

static void in_pcap_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	in_pcap_frame((struct pcap_ctx *)user, h, data);
}

static int in_pcap_collect(void *ctx)
{
	struct pcap_ctx *c = ctx;
	int n;

	if (!c->pcap)
		return 1;
	/* one pcap_dispatch() per turn, not pcap_next_ex() per packet: a file
	 * read in a loop inside libpcap (fewer instructions per packet). It
	 * counts packets that pass bpf_filter, as pcap_next_ex() skipped others. */
	n = pcap_dispatch(c->pcap, (int)c->batch, in_pcap_cb, (u_char *)c);
	if (c->last_ts_ns)
		dt_engine_tick(c->engine, c->last_ts_ns);
	/* fewer than asked (0 at the end): end of file; -1: a damaged or cut-off
	 * file ends the replay the same way, with what could be read */
	return n < c->batch ? 1 : 0;
}

static void in_pcap_exit(void *ctx)
{
	struct pcap_ctx *c = ctx;

	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}

const struct dt_input_plugin dt_input_pcap = {
    .name = "pcap",
    .description = "replay DNS packets from a pcap/pcapng file (no process information)",
    .options = pcap_options,
    .ctx_size = sizeof(struct pcap_ctx),
    .init = in_pcap_init,
    .poll_fd = in_pcap_poll_fd,
    .collect = in_pcap_collect,
    .process_lookup = NULL,
    .exit = in_pcap_exit,
};
