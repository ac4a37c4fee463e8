/* SPDX-License-Identifier: MIT */
/* Least privilege after attaching: become `user`, no capabilities, no new privileges. */
#ifndef DT_PRIVDROP_H
#define DT_PRIVDROP_H

#include "pipeline/plugin.h"

/*
 * setgroups/setgid/setuid to user, empty every capability set (bounding,
 * ambient, permitted, effective, inheritable), PR_SET_NO_NEW_PRIVS, and
 * check that root cannot be regained. Returns 0 or negative errno.
 */
int dt_drop_privileges(const char *user, struct dt_errbuf *err);

#endif
