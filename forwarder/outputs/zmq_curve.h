/* SPDX-License-Identifier: MIT */
/*
 * CURVE for the ZeroMQ output and for subscribers. Key files are czmq zcert
 * files (`dnstrail keygen NAME` writes NAME.key and NAME.key_secret).
 *
 * Server: CURVE without a ZAP handler accepts any client that knows the
 * server key, so the allowlist runs in czmq's zauth actor (the ZAP handler),
 * started before the CURVE socket binds. Sockets must come from the czmq
 * context (dt_zmq_context()) for zauth to see them.
 */
#ifndef DT_ZMQ_CURVE_H
#define DT_ZMQ_CURVE_H

#include <stddef.h>

#include <czmq.h>

/* The process's libzmq context, shared with czmq (zauth), without czmq's
 * own SIGINT/SIGTERM handlers: the daemon keeps its signal handling. */
void *dt_zmq_context(void);

/* 0 if path is a regular file not accessible to group/other, else
 * -EPERM/-errno with a sentence in err. */
int dt_zmq_check_secret_file(const char *path, char *err, size_t errlen);

struct dt_zmq_curve_server {
	zactor_t *auth;
	char tmpdir[64]; /* allowlist copied here when given as files; "" if none */
};

/*
 * Make sock a CURVE server with the key pair in secret_file and allow only
 * the clients whose public key files are listed in allow (one entry may be
 * a directory of them; "*" allows any client that knows the server key).
 * Call before bind/connect. Returns 0 or negative errno with err filled.
 */
int dt_zmq_curve_server(void *sock, const char *secret_file, char *const *allow, size_t n_allow,
			struct dt_zmq_curve_server *cs, char *err, size_t errlen);
void dt_zmq_curve_server_release(struct dt_zmq_curve_server *cs);

/* Make sock a CURVE client of the server whose public key file is given,
 * authenticating with the client key pair in client_secret_file. */
int dt_zmq_curve_client(void *sock, const char *server_public_file, const char *client_secret_file,
			char *err, size_t errlen);

#endif
