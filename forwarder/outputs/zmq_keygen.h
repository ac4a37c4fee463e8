/* SPDX-License-Identifier: MIT */
#ifndef DT_ZMQ_KEYGEN_H
#define DT_ZMQ_KEYGEN_H

/* `dnstrail keygen [-o DIR] [-f] NAME` (argv[0] = "keygen"); returns the exit status. */
int dt_zmq_keygen_main(int argc, char **argv);

#endif
