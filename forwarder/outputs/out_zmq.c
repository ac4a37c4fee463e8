/* SPDX-License-Identifier: MIT */
/*
 * Output `zmq`: every record as [topic][dnstrail.v1.Envelope] on an XPUB
 * socket (bind and/or connect), plus a _stats.<host>. message every
 * stats_interval (also a heartbeat).
 *
 * XPUB with XPUB_NODROP and ZMQ_DONTWAIT: a subscriber at its high-water
 * mark turns into EAGAIN, which we count instead of libzmq dropping in
 * silence. Every message, sent or not, consumes one sequence number, so
 * subscribers see the gap. Reconnects are libzmq's. In a pcap replay a
 * send waits (bounded) for room instead, and start waits briefly for a
 * first subscriber (wait_subscribers auto): a replay has no reason to lose.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "core/clock.h"
#include "outputs/out_zmq.h"
#include "outputs/zmq_curve.h"
#include "outputs/zmq_drain.h"
#include "pipeline/plugin.h"
#include "wire/batch.h"
#include "wire/record_proto.h"

/* The daemon's replay flag (pipeline.c); weak so the unit tests, which link
 * this output without the pipeline, still link (it reads as false there). */
extern bool dt_replay_mode __attribute__((weak));

/* wait_subscribers "auto" in a replay: how long a subscriber started before
 * us has to reconnect (libzmq retries every 100 ms) and subscribe. */
#define AUTO_WAIT_NS (500 * 1000000ull)

/* In a replay a full subscriber queue blocks a send this long (nothing
 * upstream is lost by waiting) before it counts as a drop. */
#define REPLAY_STALL_MS 1000

#ifndef DNSTRAIL_VERSION
#define DNSTRAIL_VERSION "0.0.0"
#endif

/* Subscription messages read per flush (XPUB queues them until read). */
#define SUBS_PER_FLUSH 1024

/* Records held back in one turn of the main loop before they go out
 * together (batch_begin/batch_end), each its topic and body frames. */
#define HELD_MAX 256

/* Different DNS topics (rcode x qtype x host) kept interned; beyond that
 * topics are copied into each message as before. */
#define TOPICS_MAX 1024

/* batch mode: an EnvelopeBatch goes out before it grows past this */
#define BATCH_MAX_BYTES (256 * 1024)

struct zmq_out {
	/* options */
	char **publish;
	size_t n_publish;
	char **connect;
	size_t n_connect;
	int64_t sndhwm;
	uint64_t linger_ns;
	uint64_t stats_interval_ns;
	bool include_wire;
	char *curve_secret_key_file;
	char **curve_allow;
	size_t n_curve_allow;
	char *host;
	int64_t wait_subscribers;
	uint64_t wait_timeout_ns;
	bool nodrop;
	int64_t batch; /* events per message; 1 = one message per event */

	/* state */
	void *zctx; /* own context (drained by zmq_ctx_term), or czmq's for CURVE */
	bool own_zctx;
	void *sock;
	struct dt_zmq_peers *peers; /* its connections, for the drain at exit */
	struct dt_zmq_curve_server curve;
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf;
	char hostname[256];
	uint64_t sequence;
	uint64_t published;
	uint64_t dropped;
	uint64_t start_ns; /* wall clock, for the envelope */
	uint64_t start_mono_ns; /* for uptime: immune to clock steps */
	uint64_t last_stats_ns;
	bool replay;  /* pcap replay: block (bounded) at the high-water mark */
	bool stalled; /* replay: waited REPLAY_STALL_MS in vain; drop until a send gets in */
	/* batch_begin..batch_end: messages built but not sent yet, in sequence
	 * order. Sent back to back, the IO thread finds them queued and writes
	 * them in one go, instead of waking up (eventfd, epoll, send) for each. */
	bool in_batch;
	zmq_msg_t (*held)[2];
	unsigned n_held;
	uint64_t late_dropped; /* held messages that could not be sent */
	/* Topics sent as constant messages (zmq_msg_init_data without a free
	 * function: libzmq neither allocates nor copies them). Only with our own
	 * context: zmq_ctx_term is what proves no queued message still points
	 * into the table, so it is freed after that and not before. */
	struct dt_wire_topic_table *topics;
	uint64_t sent_ns; /* last envelope send time (wall clock), see send_time() */
	/* batch > 1: envelopes gathered for one "dnsbatch.<host>." message */
	struct dt_wire_batch bat;
	char bat_host[256]; /* the host of the batch's records */
};

/* clang-format off */
static const struct dt_option zmq_options[] = {
	DT_OPT_STR_LIST("publish", struct zmq_out, publish, n_publish,
			"ZeroMQ endpoints to bind (tcp://127.0.0.1:5556, ipc:///run/dnstrail.sock)"),
	DT_OPT_STR_LIST("connect", struct zmq_out, connect, n_connect,
			"ZeroMQ endpoints to connect to (a collector or dnstrail-broker)"),
	DT_OPT_INT("sndhwm", struct zmq_out, sndhwm, "4000", 1, 10000000,
		   "messages queued per subscriber before further ones count as output_drops "
		   "(with batch, each holds up to that many events: lower it to bound memory)"),
	DT_OPT_DURATION("linger", struct zmq_out, linger_ns, "2s",
			"how long exit waits for queued messages to leave and for subscribers to read them (at most 60s)"),
	DT_OPT_DURATION("stats_interval", struct zmq_out, stats_interval_ns, "5s",
			"longest gap between _stats.<host>. messages (the service heartbeat sends them too); 0 = off"),
	DT_OPT_BOOL("include_wire", struct zmq_out, include_wire, "true",
		    "carry the raw DNS query/response bytes (needed for dnstap downstream)"),
	DT_OPT_STR("curve_secret_key_file", struct zmq_out, curve_secret_key_file, NULL,
		   "CURVE server key pair (NAME.key_secret from dnstrail keygen, mode 0600)"),
	DT_OPT_STR_LIST("curve_allow", struct zmq_out, curve_allow, n_curve_allow,
			"client public key files or one directory of them allowed in (\"*\" = any)"),
	DT_OPT_STR("host", struct zmq_out, host, NULL,
		   "publisher host name in topics and envelopes (default: gethostname)"),
	DT_OPT_BOOL("nodrop", struct zmq_out, nodrop, "true",
		    "a full subscriber queue makes sends fail, counted in output_drops; false: "
		    "that subscriber alone loses (it sees the gaps), the others are not held back"),
	DT_OPT_INT("wait_subscribers", struct zmq_out, wait_subscribers, "-1", -1, 1000,
		   "at start, wait for this many subscriptions to dns. topics; -1 = auto: "
		   "in a pcap replay wait briefly (0.5s at most) for one, so a subscriber "
		   "started first misses nothing; else none"),
	DT_OPT_DURATION("wait_timeout", struct zmq_out, wait_timeout_ns, "10s",
			"longest wait for wait_subscribers; then start anyway"),
	DT_OPT_INT("batch", struct zmq_out, batch, "1", 1, 1024,
		   "DNS events per message: above 1, up to that many go out together as one "
		   "EnvelopeBatch under the topic dnsbatch.<host>. (less ZeroMQ work per event; "
		   "subscribers can no longer filter by rcode or type); 1 = one message per event"),
	{ 0 },
};
/* clang-format on */

static uint64_t random_session_id(void)
{
	uint64_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = dt_now_real_ns() ^ ((uint64_t)getpid() << 32);
	return id ? id : 1;
}

/*
 * Envelope send time: wall-clock ns, never less than the last one. In a
 * batch one clock read serves a group of held messages, which leave together
 * within a millisecond or so (HELD_MAX records or the end of the loop turn):
 * the field says when the message was built, and a clock read per record
 * was ~3 % of the daemon at saturation. Holding it from going back keeps
 * sequence and send-time order the same over a clock step.
 */
static uint64_t send_time(struct zmq_out *z)
{
	uint64_t now = dt_now_real_ns();

	if (now > z->sent_ns)
		z->sent_ns = now;
	return z->sent_ns;
}

static void zmq_out_close(struct zmq_out *z)
{
	for (unsigned i = 0; z->held && i < z->n_held; i++) {
		zmq_msg_close(&z->held[i][0]);
		zmq_msg_close(&z->held[i][1]);
	}
	z->n_held = 0;
	free(z->held);
	z->held = NULL;
	dt_zmq_peers_free(z->peers); /* its monitor needs the socket */
	z->peers = NULL;
	if (z->sock)
		zmq_close(z->sock);
	z->sock = NULL;
	/* Blocks until queued messages are out, at most linger. */
	if (z->own_zctx && z->zctx) {
		int rc;

		while ((rc = zmq_ctx_term(z->zctx)) != 0 && zmq_errno() == EINTR)
			;
		/* No proof that libzmq is done with the interned topics: keep them. */
		if (rc == 0)
			dt_wire_topic_table_free(z->topics);
	}
	z->topics = NULL;
	z->zctx = NULL;
	z->own_zctx = false;
	dt_zmq_curve_server_release(&z->curve);
	dt_wire_encoder_free(z->enc);
	z->enc = NULL;
	dt_wire_buf_release(&z->buf);
	dt_wire_batch_release(&z->bat);
}

/* Whether a subscription to prefix gets this output's DNS events: those of
 * "dnsbatch." in batch mode, else of "dns." (a subscriber that takes both
 * counts once). */
static bool wants_events(const struct zmq_out *z, const char *prefix, size_t n)
{
	const char *want = z->batch > 1 ? DT_WIRE_BATCH_TOPIC : "dns.";
	size_t wn = strlen(want);

	return memcmp(prefix, want, n < wn ? n : wn) == 0;
}

/*
 * A PUB socket drops what it sends before a subscription arrives: a pcap
 * replay would be gone before its subscribers joined. Wait (bounded) for
 * wait_subscribers subscriptions to topics other than _stats.
 */
static void wait_for_subscribers(struct zmq_out *z)
{
	uint64_t deadline = dt_now_mono_ns() + z->wait_timeout_ns;
	int64_t seen = 0;
	uint8_t sub[256];

	while (seen < z->wait_subscribers) {
		zmq_pollitem_t it = {.socket = z->sock, .events = ZMQ_POLLIN};
		uint64_t now = dt_now_mono_ns();
		int n;

		if (now >= deadline)
			break;
		if (zmq_poll(&it, 1, (long)((deadline - now) / 1000000) + 1) <= 0)
			continue;
		n = zmq_recv(z->sock, sub, sizeof(sub), ZMQ_DONTWAIT);
		if (n >= 1 && sub[0] == 1 && wants_events(z, (const char *)sub + 1, (size_t)n - 1))
			seen++;
	}
}

static int zmq_out_init(void *ctx, struct dt_errbuf *err)
{
	struct zmq_out *z = ctx;
	struct dt_wire_publisher pub = {0};
	int one = 1, nodrop = z->nodrop ? 1 : 0, stall_ms = REPLAY_STALL_MS, hwm, linger, rc;
	uint64_t linger_ms = z->linger_ns / 1000000;

	if (z->n_publish == 0 && z->n_connect == 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "zmq output needs at least one endpoint in publish or connect");
		return -EINVAL;
	}
	if (z->curve_secret_key_file == NULL && z->n_curve_allow) {
		snprintf(err->msg, sizeof(err->msg), "curve_allow needs curve_secret_key_file");
		return -EINVAL;
	}
	if (z->host && z->host[0]) {
		snprintf(z->hostname, sizeof(z->hostname), "%s", z->host);
	} else if (gethostname(z->hostname, sizeof(z->hostname) - 1) != 0) {
		snprintf(z->hostname, sizeof(z->hostname), "localhost");
	}
	hwm = z->sndhwm > 0 ? (int)z->sndhwm : 4000;
	linger = (int)(linger_ms > 60000 ? 60000 : linger_ms);

	z->replay = &dt_replay_mode && dt_replay_mode;
	if (z->wait_subscribers < 0 && z->replay) {
		/* A PUB drops whatever it sends before a subscription arrives: the
		 * head of a replay would be gone, and a subscriber joining late
		 * cannot tell it from events published before it started. */
		z->wait_subscribers = 1;
		if (z->wait_timeout_ns > AUTO_WAIT_NS)
			z->wait_timeout_ns = AUTO_WAIT_NS;
	}
	if (z->wait_subscribers < 0)
		z->wait_subscribers = 0;

	/*
	 * zauth (the ZAP handler) serves one context: czmq's. Without CURVE
	 * the output has its own context, so exit() can wait for the queue to
	 * drain (zmq_ctx_term with linger) without touching anyone else's.
	 */
	if (z->curve_secret_key_file) {
		z->zctx = dt_zmq_context();
	} else {
		z->zctx = zmq_ctx_new();
		z->own_zctx = z->zctx != NULL;
	}
	z->sock = z->zctx ? zmq_socket(z->zctx, ZMQ_XPUB) : NULL;
	if (!z->sock) {
		snprintf(err->msg, sizeof(err->msg), "zmq_socket: %s", zmq_strerror(zmq_errno()));
		return -ENOMEM;
	}
	if (zmq_setsockopt(z->sock, ZMQ_XPUB_NODROP, &nodrop, sizeof(nodrop)) ||
	    zmq_setsockopt(z->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_setsockopt(z->sock, ZMQ_SNDTIMEO, &stall_ms, sizeof(stall_ms)) ||
	    zmq_setsockopt(z->sock, ZMQ_IPV6, &one, sizeof(one)) ||
	    (z->wait_subscribers && zmq_setsockopt(z->sock, ZMQ_XPUB_VERBOSE, &one, sizeof(one)))) {
		snprintf(err->msg, sizeof(err->msg), "zmq socket options: %s",
			 zmq_strerror(zmq_errno()));
		rc = -EINVAL;
		goto err_close;
	}
	rc = dt_zmq_peers_watch(z->zctx, z->sock, &z->peers);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "zmq socket monitor: %s", strerror(-rc));
		goto err_close;
	}
	if (z->curve_secret_key_file) {
		rc = dt_zmq_curve_server(z->sock, z->curve_secret_key_file, z->curve_allow,
					 z->n_curve_allow, &z->curve, err->msg, sizeof(err->msg));
		if (rc)
			goto err_close;
	}
	for (size_t i = 0; i < z->n_publish; i++) {
		if (zmq_bind(z->sock, z->publish[i]) != 0) {
			snprintf(err->msg, sizeof(err->msg), "zmq publish %s: %s", z->publish[i],
				 zmq_strerror(zmq_errno()));
			rc = -EADDRNOTAVAIL;
			goto err_close;
		}
	}
	for (size_t i = 0; i < z->n_connect; i++) {
		if (zmq_connect(z->sock, z->connect[i]) != 0) {
			snprintf(err->msg, sizeof(err->msg), "zmq connect %s: %s", z->connect[i],
				 zmq_strerror(zmq_errno()));
			rc = -EINVAL;
			goto err_close;
		}
	}

	z->start_ns = dt_now_real_ns();
	z->start_mono_ns = dt_now_mono_ns();
	z->last_stats_ns = dt_now_mono_ns();
	pub.host = z->hostname;
	pub.session_id = random_session_id();
	pub.version = DNSTRAIL_VERSION;
	pub.pid = (uint32_t)getpid();
	pub.start_time_ns = z->start_ns;
	rc = dt_wire_encoder_new(&pub, &z->enc);
	z->held = malloc(HELD_MAX * sizeof(*z->held));
	if (!rc && z->own_zctx)
		rc = dt_wire_topic_table_new(TOPICS_MAX, &z->topics);
	if (rc || !z->held) {
		rc = -ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto err_close;
	}
	if (z->wait_subscribers > 0)
		wait_for_subscribers(z);
	return 0;

err_close:
	zmq_out_close(z);
	return rc;
}

/* [topic][payload], non-blocking. 0, or -EAGAIN at the high-water mark.
 * interned: topic lives in z->topics (sent without a copy). */
static int send_frames(struct zmq_out *z, const char *topic, size_t topic_len, bool interned,
		       int flags)
{
	if ((interned ? zmq_send_const(z->sock, topic, topic_len, ZMQ_SNDMORE | flags)
		      : zmq_send(z->sock, topic, topic_len, ZMQ_SNDMORE | flags)) < 0)
		return -zmq_errno();
	/* The high-water mark is checked on the first frame only: the rest of
	 * a message that got in always follows. */
	if (zmq_send(z->sock, z->buf.data, z->buf.len, flags) < 0)
		return -zmq_errno();
	return 0;
}

/* A send that waits for room in a replay (SNDTIMEO) unless the last wait
 * was in vain; live capture never waits. */
static int send_flags(const struct zmq_out *z)
{
	return z->replay && z->nodrop && !z->stalled ? 0 : ZMQ_DONTWAIT;
}

static void note_send(struct zmq_out *z, int flags, int rc)
{
	if (!(flags & ZMQ_DONTWAIT))
		z->stalled = rc == -EAGAIN;
	else if (rc == 0)
		z->stalled = false;
}

/* Hands the held messages to libzmq in sequence order; counts each. */
static void send_held(struct zmq_out *z)
{
	for (unsigned i = 0; i < z->n_held; i++) {
		zmq_msg_t *m = z->held[i];
		int flags = send_flags(z), rc = 0;

		if (zmq_msg_send(&m[0], z->sock, ZMQ_SNDMORE | flags) < 0 ||
		    zmq_msg_send(&m[1], z->sock, flags) < 0)
			rc = -zmq_errno();
		note_send(z, flags, rc);
		/* sent messages are empty now; unsent ones are freed */
		zmq_msg_close(&m[0]);
		zmq_msg_close(&m[1]);
		if (rc) {
			z->dropped++;
			z->late_dropped++;
			continue;
		}
		z->published++;
		dt_stats_add(&dt_stats.events_published, 1);
	}
	z->n_held = 0;
}

/* Keeps topic and body (z->buf) for send_held(); -ENOMEM if it cannot.
 * interned: topic lives in z->topics (a constant message, no copy). */
static int hold(struct zmq_out *z, const char *topic, size_t topic_len, bool interned)
{
	zmq_msg_t *m;

	if (z->n_held == HELD_MAX)
		send_held(z);
	m = z->held[z->n_held];
	if (interned)
		zmq_msg_init_data(&m[0], (void *)topic, topic_len, NULL, NULL);
	else if (zmq_msg_init_size(&m[0], topic_len))
		return -ENOMEM;
	else
		memcpy(zmq_msg_data(&m[0]), topic, topic_len);
	/* The body has to be copied: libzmq frees it on its I/O thread, and a
	 * message with a free function allocates its header there anyway. */
	if (zmq_msg_init_size(&m[1], z->buf.len)) {
		zmq_msg_close(&m[0]);
		return -ENOMEM;
	}
	memcpy(zmq_msg_data(&m[1]), z->buf.data, z->buf.len);
	z->n_held++;
	return 0;
}

/* Envelope{transaction} into z->buf; without the DNS wire bytes when they
 * would make it too large. */
static int encode(struct zmq_out *z, uint64_t seq, const struct dt_record *rec)
{
	int rc = dt_wire_encode_record(z->enc, seq, z->sent_ns, rec, z->include_wire, &z->buf);

	if (rc == -EMSGSIZE && z->include_wire)
		rc = dt_wire_encode_record(z->enc, seq, z->sent_ns, rec, false, &z->buf);
	return rc;
}

static void free_batch(void *data, void *hint)
{
	(void)hint;
	free(data);
}

/* Sends the EnvelopeBatch being built (no copy: libzmq frees it once
 * written); its events count as published, or all as dropped. */
static void send_batch(struct zmq_out *z)
{
	char topic[DT_WIRE_TOPIC_MAX];
	int flags = send_flags(z), len, rc = 0;
	unsigned n;
	size_t size;
	uint8_t *data = dt_wire_batch_take(&z->bat, &size, &n);
	zmq_msg_t body;

	if (!data)
		return;
	len = dt_wire_batch_topic(z->bat_host, topic, sizeof(topic));
	if (len < 0)
		len = snprintf(topic, sizeof(topic), DT_WIRE_BATCH_TOPIC);
	if (zmq_msg_init_data(&body, data, size, free_batch, NULL)) {
		free(data);
		rc = -ENOMEM;
	} else if (zmq_send(z->sock, topic, (size_t)len, ZMQ_SNDMORE | flags) < 0 ||
		   zmq_msg_send(&body, z->sock, flags) < 0) {
		rc = -zmq_errno();
		zmq_msg_close(&body); /* an unsent body is freed here */
	}
	note_send(z, flags, rc);
	if (rc) {
		z->dropped += n;
		z->late_dropped += n;
		return;
	}
	z->published += n;
	dt_stats_add(&dt_stats.events_published, n);
}

/* batch mode: the envelope in z->buf joins the batch, which goes out when
 * full, when the next one would pass BATCH_MAX_BYTES or comes from another
 * host, and at the end of the main loop's turn. */
static int add_to_batch(struct zmq_out *z, const char *host)
{
	if (z->bat.n && (strcmp(host, z->bat_host) != 0 ||
			 z->bat.len + dt_wire_batch_cost(z->buf.len) > BATCH_MAX_BYTES))
		send_batch(z);
	if (!z->bat.n)
		snprintf(z->bat_host, sizeof(z->bat_host), "%s", host);
	if (dt_wire_batch_add(&z->bat, z->buf.data, z->buf.len))
		return -ENOMEM;
	if (z->bat.n >= (unsigned)z->batch)
		send_batch(z);
	return 0;
}

static int zmq_out_process(void *ctx, const struct dt_record *rec)
{
	struct zmq_out *z = ctx;
	char buf[DT_WIRE_TOPIC_MAX];
	const char *topic = NULL, *host;
	uint64_t seq = ++z->sequence; /* consumed even if the send fails */
	size_t len = 0;
	int rc;

	/* A configured host name wins over the record's (several forwarders
	 * on one machine, containers). */
	host = z->host && z->host[0]		      ? z->hostname
	       : rec->host_name && *rec->host_name ? rec->host_name
						   : z->hostname;
	if (z->batch > 1) {
		if (z->bat.n == 0)
			send_time(z);
		rc = encode(z, seq, rec);
		if (rc == 0)
			rc = add_to_batch(z, host);
		if (rc == 0)
			return 0; /* counted when sent */
		z->dropped++;
		return rc;
	}
	if (z->topics)
		topic = dt_wire_topic_intern(z->topics, rec, host, &len);
	if (!topic) {
		int n = dt_wire_topic_host(rec, host, buf, sizeof(buf));

		if (n < 0)
			n = snprintf(buf, sizeof(buf), "dns.");
		len = (size_t)n;
	}
	/* one clock read per group of held messages (send_time()) */
	if (!z->in_batch || z->n_held == 0 || z->n_held == HELD_MAX)
		send_time(z);
	rc = encode(z, seq, rec);
	if (rc == 0 && z->in_batch) {
		rc = hold(z, topic ? topic : buf, len, topic != NULL);
		if (rc == 0)
			return 0; /* counted when sent */
	} else if (rc == 0) {
		int flags = send_flags(z);

		rc = send_frames(z, topic ? topic : buf, len, topic != NULL, flags);
		note_send(z, flags, rc);
	}
	if (rc) {
		z->dropped++;
		/* The pipeline counts this in output_drops. */
		return rc == -EAGAIN ? -EAGAIN : rc;
	}
	z->published++;
	dt_stats_add(&dt_stats.events_published, 1);
	return 0;
}

static void zmq_out_batch_begin(void *ctx)
{
	struct zmq_out *z = ctx;

	z->in_batch = true;
}

static void zmq_out_batch_end(void *ctx)
{
	struct zmq_out *z = ctx;

	send_held(z);
	send_batch(z);
	z->in_batch = false;
}

static uint64_t zmq_out_dropped(void *ctx)
{
	return ((struct zmq_out *)ctx)->late_dropped;
}

static uint64_t zmq_out_queued(void *ctx)
{
	struct zmq_out *z = ctx;

	return z->n_held + z->bat.n;
}

static int publish_stats(struct zmq_out *z, const struct dt_stats *stats, int flags)
{
	char topic[DT_WIRE_TOPIC_MAX];
	struct dt_wire_session_counts sc;
	uint64_t seq;
	int len, rc;

	send_held(z); /* sequence numbers leave in order */
	send_batch(z);
	seq = ++z->sequence;
	sc.uptime_ns = dt_now_mono_ns() - z->start_mono_ns;
	sc.published = z->published;
	sc.dropped = z->dropped;
	z->last_stats_ns = dt_now_mono_ns();
	len = dt_wire_stats_topic(z->hostname, topic, sizeof(topic));
	if (len < 0)
		len = snprintf(topic, sizeof(topic), "_stats.");
	rc = dt_wire_encode_stats(z->enc, seq, send_time(z), stats, &sc, &z->buf);
	if (rc == 0)
		rc = send_frames(z, topic, (size_t)len, false, flags);
	if (rc) {
		z->dropped++;
		return rc;
	}
	return 0;
}

static int zmq_out_flush(void *ctx)
{
	struct zmq_out *z = ctx;
	char sub[256];

	send_held(z);
	send_batch(z);
	dt_zmq_peers_update(z->peers);
	/* XPUB hands us (un)subscriptions; unread they pile up. */
	for (int i = 0; i < SUBS_PER_FLUSH; i++)
		if (zmq_recv(z->sock, sub, sizeof(sub), ZMQ_DONTWAIT) < 0)
			break;
	if (z->stats_interval_ns &&
	    dt_now_mono_ns() - z->last_stats_ns >= z->stats_interval_ns)
		publish_stats(z, &dt_stats, ZMQ_DONTWAIT);
	return 0;
}

static int zmq_out_heartbeat(void *ctx, const struct dt_stats *stats)
{
	return publish_stats(ctx, stats ? stats : &dt_stats, ZMQ_DONTWAIT);
}

static void zmq_out_exit(void *ctx)
{
	struct zmq_out *z = ctx;
	int timeout = (int)(z->linger_ns / 1000000 > 60000 ? 60000 : z->linger_ns / 1000000);
	uint64_t start = dt_now_mono_ns(), spent_ms;

	if (z->sock && z->enc) {
		/* A last stats message, bounded by linger: it tells subscribers the
		 * final sequence number, so losses at the tail show too. */
		zmq_setsockopt(z->sock, ZMQ_SNDTIMEO, &timeout, sizeof(timeout));
		publish_stats(z, &dt_stats, 0);
		/* Then, within what is left of linger, hang up only once the
		 * subscribers have read it all (zmq_drain.h tells why). */
		spent_ms = (dt_now_mono_ns() - start) / 1000000;
		if (spent_ms < (uint64_t)timeout)
			dt_zmq_peers_drain(z->peers, timeout - (int)spent_ms);
		/* what a subscriber may never read: its tail, which it cannot
		 * prove lost when the final stats message is part of it */
		dt_stats_add(&dt_stats.unread_at_exit, dt_zmq_peers_unread(z->peers));
	}
	zmq_out_close(z);
}

const struct dt_output_plugin dt_output_zmq = {
    .name = "zmq",
    .description = "publish records as [topic][protobuf] on a ZeroMQ XPUB socket",
    .options = zmq_options,
    .ctx_size = sizeof(struct zmq_out),
    .init = zmq_out_init,
    .process = zmq_out_process,
    .flush = zmq_out_flush,
    .heartbeat = zmq_out_heartbeat,
    .exit = zmq_out_exit,
    .dropped = zmq_out_dropped,
    .queued = zmq_out_queued,
    .batch_begin = zmq_out_batch_begin,
    .batch_end = zmq_out_batch_end,
};

/* For tests and the daemon's final line: this output's own counts. */
void dt_output_zmq_counts(void *ctx, uint64_t *published, uint64_t *dropped, uint64_t *sequence)
{
	struct zmq_out *z = ctx;

	*published = z->published;
	*dropped = z->dropped;
	*sequence = z->sequence;
}
