// SPDX-License-Identifier: MIT
/*
 * Output `syslog`: RFC 5424 messages with the transaction as structured
 * data, [dns@32473 qname="..." qtype="..." rcode="..." pid="..." ...],
 * to unix:///dev/log (datagram), udp://host:port, or tcp://host:port with
 * RFC 6587 octet counting ("LEN SP MSG").
 *
 * Never blocks live capture: non-blocking sockets, a bounded queue of
 * formatted messages (full -> the record is refused and counted), reconnects
 * with exponential backoff, a bounded drain at exit. Replaying a pcap file a
 * full queue waits for the receiver instead (at most drain_timeout per stall).
 * Datagrams go out in sendmmsg() batches, the stream in writev() batches.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fmt.h"
#include "filters/rec_fields.h"
#include "pipeline/outbuf.h"
#include "pipeline/pipeline.h"
#include "pipeline/plugin.h"

#define SD_ID "dns@32473"
#define FLUSH_AT 64 /* queued messages that trigger a send from process() */
#define BATCH 64    /* messages per sendmmsg() / writev() */

enum transport { T_UNIX, T_UDP, T_TCP };

struct msg {
	char *data;
	size_t len;
};

struct syslog_ctx {
	/* options */
	char *address;
	char *facility_name;
	char *severity_name;
	char *app_name;
	char *hostname;
	int64_t queue_size;
	uint64_t max_message;
	uint64_t reconnect_min;
	uint64_t reconnect_max;
	uint64_t drain_timeout;

	/* state */
	enum transport t;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd;
	bool connecting; /* TCP connect in progress */
	uint64_t next_attempt_ns;
	uint64_t backoff_ns;
	int pri;
	char host[256];
	char *scratch;
	struct msg *q; /* ring */
	size_t q_head, q_len;
	size_t sent_off; /* TCP: bytes of the head message already written */
	bool stalled;	 /* replay: waited drain_timeout for room in vain; drop until progress */
	uint64_t sent, dropped, reconnects;
};

static const char *const facilities[] = {
    "kern",   "user",	  "mail",   "daemon", "auth",	"syslog", "lpr",   "news",   "uucp",
    "cron",   "authpriv", "ftp",    "ntp",    "audit",	"alert",  "clock", "local0", "local1",
    "local2", "local3",	  "local4", "local5", "local6", "local7", NULL,
};
static const char *const severities[] = {"emerg",  "alert", "crit",  "err", "warning",
					 "notice", "info",  "debug", NULL};

static const struct dt_option syslog_options[] = {
    DT_OPT_STR("address", struct syslog_ctx, address, "unix:///dev/log",
	       "unix:///dev/log, udp://HOST:PORT or tcp://HOST:PORT (octet counting)"),
    DT_OPT_CHOICE("facility", struct syslog_ctx, facility_name, "user", facilities,
		  "syslog facility"),
    DT_OPT_CHOICE("severity", struct syslog_ctx, severity_name, "info", severities,
		  "syslog severity of every message"),
    DT_OPT_STR("app_name", struct syslog_ctx, app_name, "dnstrail", "APP-NAME field"),
    DT_OPT_STR("hostname", struct syslog_ctx, hostname, NULL,
	       "HOSTNAME field [default: the record's host.name]"),
    DT_OPT_INT("queue_size", struct syslog_ctx, queue_size, "10000", 1, 10000000,
	       "messages queued while the receiver is slow or away; beyond, records are dropped"),
    DT_OPT_SIZE("max_message", struct syslog_ctx, max_message, "8k",
		"longest message; longer ones lose their answers parameter"),
    DT_OPT_DURATION("reconnect_min", struct syslog_ctx, reconnect_min, "500ms",
		    "first reconnect delay (doubles up to reconnect_max)"),
    DT_OPT_DURATION("reconnect_max", struct syslog_ctx, reconnect_max, "30s",
		    "longest reconnect delay"),
    DT_OPT_DURATION("drain_timeout", struct syslog_ctx, drain_timeout, "1s",
		    "how long shutdown and reload wait for the queue to empty"),
    {0},
};

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int parse_address(struct syslog_ctx *ctx, struct dt_errbuf *err)
{
	const char *a = ctx->address;
	char host[256];
	const char *hp, *colon;
	struct addrinfo hints = {0}, *res;
	int rc;

	if (strncmp(a, "unix://", 7) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ctx->addr;

		if (strlen(a + 7) == 0 || strlen(a + 7) >= sizeof(un->sun_path)) {
			snprintf(err->msg, sizeof(err->msg), "address: bad unix socket path \"%s\"",
				 a + 7);
			return -EINVAL;
		}
		ctx->t = T_UNIX;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, a + 7);
		ctx->addr_len = sizeof(*un);
		return 0;
	}
	if (strncmp(a, "udp://", 6) == 0)
		ctx->t = T_UDP;
	else if (strncmp(a, "tcp://", 6) == 0)
		ctx->t = T_TCP;
	else {
		snprintf(err->msg, sizeof(err->msg),
			 "address: \"%s\" is not unix://PATH, udp://HOST:PORT or tcp://HOST:PORT",
			 a);
		return -EINVAL;
	}
	hp = a + 6;
	colon = strrchr(hp, ':');
	if (!colon || colon == hp || !colon[1] || (size_t)(colon - hp) >= sizeof(host)) {
		snprintf(err->msg, sizeof(err->msg), "address: \"%s\" needs HOST:PORT", a);
		return -EINVAL;
	}
	memcpy(host, hp, colon - hp);
	host[colon - hp] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:514 */
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = ctx->t == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "address: cannot resolve \"%s\": %s", a,
			 gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&ctx->addr, res->ai_addr, res->ai_addrlen);
	ctx->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void close_conn(struct syslog_ctx *ctx)
{
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->fd = -1;
	ctx->connecting = false;
	ctx->sent_off = 0; /* a half-sent TCP message is sent again whole */
}

static void schedule_retry(struct syslog_ctx *ctx)
{
	close_conn(ctx);
	ctx->next_attempt_ns = dt_now_mono_ns() + ctx->backoff_ns;
	ctx->backoff_ns =
	    ctx->backoff_ns * 2 > ctx->reconnect_max ? ctx->reconnect_max : ctx->backoff_ns * 2;
}

/* A connect to a local port in the ephemeral range can pick that very port as
 * its source and connect to itself: TCP by simultaneous open when nobody
 * listens, UDP whenever the port is free. Every send would then "succeed" into
 * our own receive buffer, and the receiver could not bind its port. */
static bool connected_to_self(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);
	struct linger abort_close = {.l_onoff = 1, .l_linger = 0};

	if (getsockname(fd, (struct sockaddr *)&a, &la) ||
	    getpeername(fd, (struct sockaddr *)&b, &lb))
		return false;
	if (la != lb || memcmp(&a, &b, la) != 0)
		return false;
	/* close with a reset: an orderly close would hold the port in TIME_WAIT,
	 * away from the receiver that wants to listen on it */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close));
	return true;
}

/* Start a connection if due. Returns true when fd is ready to send. */
static bool ensure_conn(struct syslog_ctx *ctx)
{
	int type;

	if (ctx->fd >= 0 && !ctx->connecting)
		return true;
	if (ctx->fd >= 0 && ctx->connecting) {
		struct pollfd p = {.fd = ctx->fd, .events = POLLOUT};
		int soerr = 0;
		socklen_t l = sizeof(soerr);

		if (poll(&p, 1, 0) <= 0)
			return false;
		if (getsockopt(ctx->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) || soerr ||
		    connected_to_self(ctx->fd)) {
			schedule_retry(ctx);
			return false;
		}
		ctx->connecting = false;
		ctx->backoff_ns = ctx->reconnect_min;
		return true;
	}
	if (dt_now_mono_ns() < ctx->next_attempt_ns)
		return false;
	type = ctx->t == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	ctx->fd = socket(ctx->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctx->fd < 0) {
		schedule_retry(ctx);
		return false;
	}
	ctx->reconnects++;
	if (connect(ctx->fd, (struct sockaddr *)&ctx->addr, ctx->addr_len) == 0) {
		if (connected_to_self(ctx->fd)) {
			schedule_retry(ctx);
			return false;
		}
		ctx->backoff_ns = ctx->reconnect_min;
		return true;
	}
	if (errno == EINPROGRESS) {
		ctx->connecting = true;
		return false;
	}
	schedule_retry(ctx);
	return false;
}

static int syslog_init(void *vctx, struct dt_errbuf *err)
{
	struct syslog_ctx *ctx = vctx;
	int f = name_index(ctx->facility_name, facilities, 24);
	int s = name_index(ctx->severity_name, severities, 8);
	int rc;

	ctx->fd = -1;
	if (f < 0) {
		snprintf(err->msg, sizeof(err->msg), "facility: unknown facility \"%s\"",
			 ctx->facility_name);
		return -EINVAL;
	}
	if (s < 0) {
		snprintf(err->msg, sizeof(err->msg), "severity: unknown severity \"%s\"",
			 ctx->severity_name);
		return -EINVAL;
	}
	if (ctx->max_message < 480 || ctx->max_message > 1024 * 1024) {
		snprintf(err->msg, sizeof(err->msg), "max_message: between 480 and 1M");
		return -EINVAL;
	}
	ctx->pri = f * 8 + s;
	rc = parse_address(ctx, err);
	if (rc)
		return rc;
	if (ctx->hostname)
		snprintf(ctx->host, sizeof(ctx->host), "%s", ctx->hostname);
	ctx->scratch = malloc(ctx->max_message + 32);
	ctx->q = calloc((size_t)ctx->queue_size, sizeof(*ctx->q));
	if (!ctx->scratch || !ctx->q) {
		free(ctx->scratch);
		free(ctx->q);
		ctx->scratch = NULL;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	ctx->backoff_ns = ctx->reconnect_min;
	ensure_conn(ctx); /* first attempt now; failures retry later, records queue */
	return 0;
}

/* ---- formatting ---- */

struct w {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct w *w, const char *s, size_t n)
{
	if (w->full || w->len + n > w->cap) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void puts_(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

/* RFC 5424 PARAM-VALUE: escape '"', '\' and ']'; control bytes become '?'. */
static void put_value(struct w *w, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\' || c == ']') {
			char e[2] = {'\\', (char)c};

			put(w, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			put(w, "?", 1);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
}

static void param(struct w *w, const char *name, const char *value)
{
	put(w, " ", 1);
	puts_(w, name);
	put(w, "=\"", 2);
	put_value(w, value);
	put(w, "\"", 1);
}

static void param_u(struct w *w, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	param(w, name, b);
}

static int format(struct syslog_ctx *ctx, const struct dt_record *rec, bool with_answers)
{
	struct w w = {.p = ctx->scratch, .cap = ctx->max_message};
	char head[512], ts[DT_FMT_TIME_MAX], ip[DT_FMT_IP_MAX], t[16], r[16];
	const char *qname = dt_rec_qname(rec);
	const char *host = ctx->host[0]			       ? ctx->host
			   : rec->host_name && *rec->host_name ? rec->host_name
							       : "-";
	const char *rcode = rec->response ? dns_rcode_str(rec->response->rcode, r)
			    : rec->status == DT_STATUS_TIMEOUT ? "TIMEOUT"
							       : "-";
	uint16_t qtype = 0;
	bool has_qtype = dt_rec_qtype(rec, &qtype);
	const struct dns_msg *m = rec->response ? rec->response : rec->query;

	dt_fmt_time(dt_rec_ts(rec), 6, ts); /* RFC 5424: at most 6 fraction digits */
	snprintf(head, sizeof(head), "<%d>1 %s %.255s %.48s %d dns [" SD_ID, ctx->pri, ts, host,
		 ctx->app_name, (int)getpid());
	puts_(&w, head);
	param(&w, "qname", qname ? (*qname ? qname : ".") : "");
	if (has_qtype)
		param(&w, "qtype", dns_type_str(qtype, t));
	param(&w, "rcode", rcode);
	param(&w, "status", dt_status_str(rec->status));
	if (m)
		param_u(&w, "id", m->id);
	if (rec->query_ts_ns && rec->response_ts_ns >= rec->query_ts_ns)
		param_u(&w, "duration_us", (rec->response_ts_ns - rec->query_ts_ns) / 1000);
	if (rec->family == 4 || rec->family == 6) {
		dt_fmt_ip(rec->family, rec->src_ip, ip);
		param(&w, "src", ip);
		param_u(&w, "sport", rec->src_port);
		dt_fmt_ip(rec->family, rec->dst_ip, ip);
		param(&w, "dst", ip);
		param_u(&w, "dport", rec->dst_port);
		param(&w, "transport", rec->transport == DT_TRANSPORT_TCP ? "tcp" : "udp");
	}
	if (rec->has_process) {
		const struct dt_process *p = &rec->process;

		param_u(&w, "pid", p->pid);
		param_u(&w, "tid", p->tid);
		if (p->ppid)
			param_u(&w, "ppid", p->ppid);
		param_u(&w, "uid", p->uid);
		param(&w, "comm", p->name);
		if (p->exe[0])
			param(&w, "exe", p->exe);
		if (p->container_id[0])
			param(&w, "container", p->container_id);
	}
	if (with_answers && rec->response && rec->response->n_answer) {
		/* "A 192.0.2.1, AAAA 2001:db8::1" */
		put(&w, " answers=\"", 10);
		for (uint16_t i = 0; i < rec->response->n_answer; i++) {
			const struct dns_rr *rr = &rec->response->rr[i];

			if (i)
				put(&w, ", ", 2);
			put_value(&w, dns_type_str(rr->type, t));
			put(&w, " ", 1);
			put_value(&w, rr->data ? rr->data : "");
		}
		put(&w, "\"", 1);
	}
	put(&w, "]", 1);
	if (qname) {
		put(&w, " ", 1);
		puts_(&w, *qname ? qname : ".");
		put(&w, " ", 1);
		puts_(&w, has_qtype ? dns_type_str(qtype, t) : "-");
		put(&w, " ", 1);
		puts_(&w, rcode);
	}
	if (w.full)
		return with_answers ? format(ctx, rec, false) : -EMSGSIZE;
	return (int)w.len;
}

/* ---- queue ---- */

static void q_pop(struct syslog_ctx *ctx)
{
	free(ctx->q[ctx->q_head].data);
	ctx->q[ctx->q_head].data = NULL;
	ctx->q_head = (ctx->q_head + 1) % (size_t)ctx->queue_size;
	ctx->q_len--;
	ctx->sent_off = 0;
}

/* Datagrams: up to BATCH messages per sendmmsg(). Returns sent, or -errno. */
static int send_datagrams(struct syslog_ctx *ctx)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t n = ctx->q_len < BATCH ? ctx->q_len : BATCH;
	int sent;

	memset(mm, 0, sizeof(mm));
	for (size_t i = 0; i < n; i++) {
		struct msg *m = &ctx->q[(ctx->q_head + i) % (size_t)ctx->queue_size];

		iov[i] = (struct iovec){.iov_base = m->data, .iov_len = m->len};
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(ctx->fd, mm, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (sent < 0)
		return -errno;
	for (int i = 0; i < sent; i++)
		q_pop(ctx);
	ctx->sent += (uint64_t)sent;
	return sent;
}

/* Stream: up to BATCH queued messages per writev(), resuming a partial one. */
static int send_stream(struct syslog_ctx *ctx)
{
	struct iovec iov[BATCH];
	size_t n = ctx->q_len < BATCH ? ctx->q_len : BATCH;
	ssize_t w;
	int done = 0;

	for (size_t i = 0; i < n; i++) {
		struct msg *m = &ctx->q[(ctx->q_head + i) % (size_t)ctx->queue_size];
		size_t off = i == 0 ? ctx->sent_off : 0;

		iov[i] = (struct iovec){.iov_base = m->data + off, .iov_len = m->len - off};
	}
	w = writev(ctx->fd, iov, (int)n);
	if (w < 0)
		return -errno;
	while (w > 0) {
		struct msg *m = &ctx->q[ctx->q_head];
		size_t left = m->len - ctx->sent_off;

		if ((size_t)w < left) {
			ctx->sent_off += (size_t)w;
			break;
		}
		w -= (ssize_t)left;
		q_pop(ctx); /* resets sent_off */
		ctx->sent++;
		done++;
	}
	return done;
}

static int syslog_flush(void *vctx)
{
	struct syslog_ctx *ctx = vctx;

	while (ctx->q_len) {
		int rc;

		if (!ensure_conn(ctx))
			return 0;
		rc = ctx->t == T_TCP ? send_stream(ctx) : send_datagrams(ctx);
		if (rc > 0) {
			ctx->stalled = false;
			continue;
		}
		if (rc == 0 || rc == -EAGAIN || rc == -ENOBUFS)
			return 0; /* the socket is full: the next flush goes on */
		if (rc == -EINTR)
			continue;
		if (ctx->t == T_UDP && rc == -ECONNREFUSED)
			continue; /* ICMP from an earlier datagram: the next may pass */
		if (rc == -EMSGSIZE && ctx->t != T_TCP) { /* too large for the path: lost */
			q_pop(ctx);
			ctx->dropped++;
			continue;
		}
		schedule_retry(ctx);
		return 0;
	}
	return 0;
}

/* Flush, waiting for the socket up to timeout_ns while the queue holds more than `until`. */
static void wait_queue(struct syslog_ctx *ctx, size_t until, uint64_t timeout_ns)
{
	uint64_t end = dt_now_mono_ns() + timeout_ns;

	syslog_flush(ctx);
	while (ctx->q_len > until && dt_now_mono_ns() < end) {
		struct pollfd p = {.fd = ctx->fd, .events = POLLOUT};

		if (ctx->fd >= 0)
			poll(&p, 1, 10);
		else
			usleep(10000);
		syslog_flush(ctx);
	}
}

static int syslog_process(void *vctx, const struct dt_record *rec)
{
	struct syslog_ctx *ctx = vctx;
	size_t tail;
	int n;
	char prefix[24];
	int plen = 0;
	struct msg *m;

	if ((size_t)ctx->q_len >= (size_t)ctx->queue_size) {
		/* replaying a file nothing is lost by waiting (bounded, once per stall) */
		if (dt_replay_mode && !ctx->stalled)
			wait_queue(ctx, (size_t)ctx->queue_size - 1, ctx->drain_timeout);
		else
			syslog_flush(ctx);
		if ((size_t)ctx->q_len >= (size_t)ctx->queue_size) {
			ctx->stalled = true;
			return -ENOBUFS;
		}
	}
	n = format(ctx, rec, true);
	if (n < 0)
		return n;
	if (ctx->t == T_TCP) /* RFC 6587 octet counting */
		plen = snprintf(prefix, sizeof(prefix), "%d ", n);
	tail = (ctx->q_head + ctx->q_len) % (size_t)ctx->queue_size;
	m = &ctx->q[tail];
	m->data = malloc((size_t)(plen + n));
	if (!m->data)
		return -ENOMEM;
	memcpy(m->data, prefix, (size_t)plen);
	memcpy(m->data + plen, ctx->scratch, (size_t)n);
	m->len = (size_t)(plen + n);
	ctx->q_len++;
	if (ctx->q_len >= FLUSH_AT)
		syslog_flush(ctx);
	return 0;
}

static void syslog_exit(void *vctx)
{
	struct syslog_ctx *ctx = vctx;
	if (!ctx->q)
		return;
	wait_queue(ctx, 0, ctx->drain_timeout);
	ctx->dropped += ctx->q_len;
	while (ctx->q_len)
		q_pop(ctx);
	close_conn(ctx);
	free(ctx->q);
	ctx->q = NULL;
	free(ctx->scratch);
	ctx->scratch = NULL;
}

static uint64_t syslog_dropped(void *vctx)
{
	return ((struct syslog_ctx *)vctx)->dropped;
}

static uint64_t syslog_queued(void *vctx)
{
	return ((struct syslog_ctx *)vctx)->q_len;
}

const struct dt_output_plugin dt_output_syslog = {
    .name = "syslog",
    .description = "RFC 5424 messages with structured data [dns@32473 ...] over unix, UDP or TCP",
    .options = syslog_options,
    .ctx_size = sizeof(struct syslog_ctx),
    .init = syslog_init,
    .process = syslog_process,
    .flush = syslog_flush,
    .dropped = syslog_dropped,
    .exit = syslog_exit,
    .queued = syslog_queued,
};
