/* SPDX-License-Identifier: MIT */
/* CURVE key files, ZAP allowlist (czmq zauth) and socket options. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "outputs/zmq_curve.h"

void *dt_zmq_context(void)
{
	static void *ctx;

	if (!ctx) {
		/* Before the first zsys_init(): keep czmq off our signals. */
		zsys_handler_set(NULL);
		ctx = zsys_init();
	}
	return ctx;
}

int dt_zmq_check_secret_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot read CURVE secret key file %s: %s", path,
			 strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "CURVE secret key file %s is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "CURVE secret key file %s is accessible by group/other (mode %04o); "
			 "refusing it: chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

/*
 * Keys of exactly the file named (zcert_load would prefer a sibling
 * NAME_secret file): "curve/public-key" and, if sec, "curve/secret-key".
 */
static int load_keys(const char *path, uint8_t pub[32], uint8_t *sec, char *err, size_t errlen)
{
	zconfig_t *root;
	const char *p, *s = NULL;
	int rc = 0;

	root = zconfig_load(path);
	if (!root) {
		snprintf(err, errlen, "cannot read CURVE key file %s", path);
		return -ENOENT;
	}
	p = zconfig_get(root, "curve/public-key", NULL);
	if (sec)
		s = zconfig_get(root, "curve/secret-key", NULL);
	if (!p || strlen(p) != 40 || !zmq_z85_decode(pub, p)) {
		snprintf(err, errlen, "%s is not a CURVE key file (dnstrail keygen writes them)",
			 path);
		rc = -EINVAL;
	} else if (sec && (!s || strlen(s) != 40 || !zmq_z85_decode(sec, s))) {
		snprintf(err, errlen, "%s holds no secret key (use the NAME.key_secret file)",
			 path);
		rc = -EINVAL;
	}
	zconfig_destroy(&root);
	return rc;
}

/* Both keys from a secret key file that only its owner can read. */
static int load_secret(const char *path, uint8_t pub[32], uint8_t sec[32], char *err, size_t errlen)
{
	int rc = dt_zmq_check_secret_file(path, err, errlen);

	return rc ? rc : load_keys(path, pub, sec, err, errlen);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Copy each listed public key file (validated) into a private directory. */
static int make_allow_dir(struct dt_zmq_curve_server *cs, char *const *allow, size_t n, char *err,
			  size_t errlen)
{
	snprintf(cs->tmpdir, sizeof(cs->tmpdir), "/tmp/dnstrail-curve-XXXXXX");
	if (!mkdtemp(cs->tmpdir)) {
		int e = errno;

		snprintf(err, errlen, "cannot create a directory for curve_allow: %s", strerror(e));
		cs->tmpdir[0] = '\0';
		return -e;
	}
	for (size_t i = 0; i < n; i++) {
		char path[sizeof(cs->tmpdir) + 32], why[256];
		uint8_t pub[32], none[32] = {0};
		zcert_t *cert;

		if (load_keys(allow[i], pub, NULL, why, sizeof(why))) {
			snprintf(err, errlen, "curve_allow: %s", why);
			return -EINVAL;
		}
		cert = zcert_new_from(pub, none);
		if (!cert)
			return -ENOMEM;
		snprintf(path, sizeof(path), "%s/client%zu.key", cs->tmpdir, i);
		if (zcert_save_public(cert, path) != 0) {
			snprintf(err, errlen, "curve_allow: cannot copy %s", allow[i]);
			zcert_destroy(&cert);
			return -EIO;
		}
		zcert_destroy(&cert);
	}
	return 0;
}

int dt_zmq_curve_server(void *sock, const char *secret_file, char *const *allow, size_t n_allow,
			struct dt_zmq_curve_server *cs, char *err, size_t errlen)
{
	const char *location;
	uint8_t pub[32], sec[32];
	int one = 1, rc;

	memset(cs, 0, sizeof(*cs));
	if (n_allow == 0) {
		snprintf(err, errlen,
			 "curve_secret_key_file needs curve_allow (client public key files, a "
			 "directory of them, or \"*\" for any client)");
		return -EINVAL;
	}
	rc = load_secret(secret_file, pub, sec, err, errlen);
	if (rc)
		return rc;

	if (n_allow == 1 && strcmp(allow[0], "*") == 0) {
		location = CURVE_ALLOW_ANY;
	} else if (n_allow == 1 && is_dir(allow[0])) {
		location = allow[0];
	} else {
		rc = make_allow_dir(cs, allow, n_allow, err, errlen);
		if (rc)
			goto err_release;
		location = cs->tmpdir;
	}

	dt_zmq_context();
	cs->auth = zactor_new(zauth, NULL);
	if (!cs->auth) {
		snprintf(err, errlen, "cannot start the ZAP handler (zauth)");
		rc = -ENOMEM;
		goto err_release;
	}
	zstr_sendx(cs->auth, "CURVE", location, NULL);
	zsock_wait(cs->auth);

	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 32)) {
		snprintf(err, errlen, "CURVE socket options: %s", zmq_strerror(zmq_errno()));
		rc = -EINVAL;
		goto err_release;
	}
	memset(sec, 0, sizeof(sec));
	return 0;

err_release:
	memset(sec, 0, sizeof(sec));
	dt_zmq_curve_server_release(cs);
	return rc;
}

void dt_zmq_curve_server_release(struct dt_zmq_curve_server *cs)
{
	if (!cs)
		return;
	zactor_destroy(&cs->auth);
	if (cs->tmpdir[0]) {
		DIR *d = opendir(cs->tmpdir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char path[sizeof(cs->tmpdir) + 256 + 2];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", cs->tmpdir, de->d_name);
			unlink(path);
		}
		if (d)
			closedir(d);
		rmdir(cs->tmpdir);
		cs->tmpdir[0] = '\0';
	}
}

int dt_zmq_curve_client(void *sock, const char *server_public_file, const char *client_secret_file,
			char *err, size_t errlen)
{
	uint8_t server[32], pub[32], sec[32];
	int rc;

	rc = load_keys(server_public_file, server, NULL, err, errlen);
	if (rc)
		return rc;
	rc = load_secret(client_secret_file, pub, sec, err, errlen);
	if (rc)
		return rc;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, 32) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 32) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 32)) {
		snprintf(err, errlen, "CURVE socket options: %s", zmq_strerror(zmq_errno()));
		rc = -EINVAL;
	}
	memset(sec, 0, sizeof(sec));
	return rc;
}
