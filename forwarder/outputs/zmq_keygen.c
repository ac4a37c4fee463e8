/* SPDX-License-Identifier: MIT */
/*
 * `dnstrail keygen [-o DIR] NAME`: a CURVE key pair as czmq zcert files,
 * DIR/NAME.key (public: give it to the other side) and DIR/NAME.key_secret
 * (mode 0600: keep it).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outputs/zmq_curve.h"
#include "outputs/zmq_keygen.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: dnstrail keygen [-o DIR] NAME\n"
		"Write a CURVE key pair for the ZeroMQ output or a subscriber:\n"
		"  DIR/NAME.key         public key (give it to the peer)\n"
		"  DIR/NAME.key_secret  secret key, mode 0600\n"
		"Options:\n"
		"  -o, --output-dir DIR  where to write (default: .)\n"
		"  -f, --force           overwrite existing files\n"
		"  -h, --help            this text\n"
		"Examples:\n"
		"  dnstrail keygen -o /etc/dnstrail server\n"
		"      outputs: [{name: zmq, curve_secret_key_file: /etc/dnstrail/server.key_secret,\n"
		"                 curve_allow: [/etc/dnstrail/clients/]}]\n"
		"  dnstrail keygen -o /etc/dnstrail/clients siem01\n"
		"      dnstrail-sub --curve-server-key server.key --curve-key siem01.key_secret\n");
}

int dt_zmq_keygen_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output-dir", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = ".";
	char pub[PATH_MAX], sec[PATH_MAX], created[32];
	bool force = false;
	zcert_t *cert;
	mode_t old;
	time_t now = time(NULL);
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || strchr(argv[optind], '/') || !argv[optind][0]) {
		usage(stderr);
		return 2;
	}
	if ((size_t)snprintf(pub, sizeof(pub), "%s/%s.key", dir, argv[optind]) >= sizeof(pub) ||
	    (size_t)snprintf(sec, sizeof(sec), "%s/%s.key_secret", dir, argv[optind]) >=
		    sizeof(sec)) {
		fprintf(stderr, "dnstrail keygen: path too long\n");
		return 1;
	}
	if (!force && (access(pub, F_OK) == 0 || access(sec, F_OK) == 0)) {
		fprintf(stderr, "dnstrail keygen: %s exists (use --force to overwrite)\n", pub);
		return 1;
	}

	dt_zmq_context();
	cert = zcert_new();
	if (!cert) {
		fprintf(stderr, "dnstrail keygen: cannot create a key pair\n");
		return 1;
	}
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	zcert_set_meta(cert, "name", "%s", argv[optind]);
	zcert_set_meta(cert, "created-by", "dnstrail keygen");
	zcert_set_meta(cert, "created", "%s", created);

	/* No window in which the secret file is readable by others. */
	old = umask(077);
	if (force)
		unlink(sec);
	rc = zcert_save(cert, pub);
	umask(old);
	if (rc == 0)
		chmod(pub, 0644);
	if (rc != 0 || chmod(sec, 0600) != 0) {
		fprintf(stderr, "dnstrail keygen: cannot write %s: %s\n", pub, strerror(errno));
		zcert_destroy(&cert);
		return 1;
	}
	printf("public key: %s\nsecret key: %s\npublic-key = \"%s\"\n", pub, sec,
	       zcert_public_txt(cert));
	zcert_destroy(&cert);
	return 0;
}
