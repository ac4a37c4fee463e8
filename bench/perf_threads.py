#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Where one process's threads spend their time, from `perf script` output of
a `perf record -g` run: each sample goes to one bucket, the system call its
stack is in or else the library its leaf is in, and each thread kind (its
main thread, ZeroMQ's I/O thread, ...) gets one line of bucket shares.

usage: perf script -i perf.data --pid PID | perf_threads.py LABEL MAIN_TID
prints, tab-separated, one line per thread kind: LABEL THREAD SAMPLES SHARES
        (THREAD: "main" for MAIN_TID, else its comm; SHARES: "own code 55.2 %,
        file writes 20.2 %, ...", largest first)

Kernel time is named by the system call the thread is in (file writes,
TCP sends, receives, poll/epoll, eventfd, memory calls), or as page faults
or interrupts; user time by library: "own code" is the process's binary.
"""
import collections
import re
import sys

# (bucket, frames that name it): the first bucket, in this order, with a
# frame anywhere on the stack decides.
SYSCALLS = [
    ("eventfd", ("eventfd_write", "eventfd_read")),
    # after eventfd: a write to an eventfd goes through ksys_write too
    ("file writes", ("ksys_write", "ksys_pwrite64", "do_iter_write")),
    ("TCP sends", ("__sys_sendto", "__sys_sendmsg", "tcp_sendmsg")),
    ("receives", ("__sys_recvfrom", "__sys_recvmsg", "tcp_recvmsg")),
    ("poll/epoll", ("do_sys_poll", "do_epoll_wait", "__x64_sys_epoll_wait", "do_select")),
    ("memory calls", ("do_madvise", "__vm_munmap", "do_mmap", "__do_sys_brk")),
    ("page faults", ("exc_page_fault", "asm_exc_page_fault")),
]
LIBS = [("libzmq", "libzmq"), ("libc", "libc.so"), ("libpsl", "libpsl"), ("vdso", "[vdso]")]

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(\S+?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)\s*$")
HEAD = re.compile(r"^(.*\S)\s+(\d+)\s+(?:\[\d+\]\s+)?[\d.]+:")


def bucket(frames, binary):
    """frames: [(symbol, dso)] from the leaf outwards."""
    names = {sym for sym, _ in frames}
    for name, marks in SYSCALLS:
        if names.intersection(marks):
            return name
    if not frames:
        return "unknown"
    sym, dso = frames[0]
    if dso == "[kernel.kallsyms]":
        if "do_syscall_64" in names:
            return "other system calls"
        return "interrupts and other kernel"
    if binary and dso.endswith("/" + binary):
        return "own code"
    for name, mark in LIBS:
        if mark in dso:
            return name
    return "other user space"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    label, main_tid = sys.argv[1], sys.argv[2]
    counts = collections.defaultdict(collections.Counter)
    comm_of = {}
    binary = None
    tid, frames = None, []

    def flush():
        if tid is None:
            return
        kind = "main" if tid == main_tid else comm_of[tid]
        counts[kind][bucket(frames, binary)] += 1

    for line in sys.stdin:
        m = HEAD.match(line)
        if m and not line[0].isspace():
            flush()
            comm, tid = m.group(1), m.group(2)
            comm_of[tid] = comm
            frames = []
            continue
        f = FRAME.match(line)
        if f and tid is not None:
            frames.append((f.group(1), f.group(2)))
            # the main thread's user-space frames tell the binary's path
            if binary is None and tid == main_tid and f.group(2).startswith("/"):
                dso = f.group(2)
                if not re.search(r"\.so(\.|$)", dso):
                    binary = dso.rsplit("/", 1)[-1]
    flush()
    if not counts:
        return 1
    for kind in sorted(counts, key=lambda k: (k != "main", k)):
        c = counts[kind]
        total = sum(c.values())
        shares = ", ".join("%s %.1f %%" % (name, 100.0 * n / total) for name, n in c.most_common())
        print("%s\t%s\t%d\t%s" % (label, kind, total, shares))
    return 0


if __name__ == "__main__":
    sys.exit(main())
