// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "pipeline/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = 40;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n;
}

/* capset(2) without libcap: all three sets empty. */
static int clear_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int dt_drop_privileges(const char *user, struct dt_errbuf *err)
{
	struct passwd *pw = getpwnam(user);
	uid_t uid;
	gid_t gid;
	int rc;

	if (!pw) {
		snprintf(err->msg, sizeof(err->msg), "user: no such user \"%s\"", user);
		return -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	/* the bounding set needs CAP_SETPCAP, so it goes first; EINVAL past the last cap */
	for (int c = 0; c <= last_cap(); c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL && errno != EPERM)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(1, &gid) && errno != EPERM) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "setgroups: %s", strerror(errno));
		return rc;
	}
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot become %s: %s", user, strerror(errno));
		return rc;
	}
	rc = clear_caps();
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "capset: %s", strerror(-rc));
		return rc;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return rc;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err->msg, sizeof(err->msg), "could regain root after dropping privileges");
		return -EPERM;
	}
	return 0;
}
