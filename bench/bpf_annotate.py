#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instruction profile of JIT-ed BPF programs from `perf script -F ip,sym`.

bench/bpf_profile.sh records `perf record -a -e cpu-clock -F FREQ` during a
load, dumps each program's machine code with bench/jit_dump, and calls this:

  bpf_annotate.py SAMPLES FREQ PACKETS OUTDIR NAME=PREFIX...

SAMPLES: lines "IP SYMBOL" (perf script -F ip,sym); FREQ: samples per second
and CPU; PACKETS: packets of the load (to give ns per packet); NAME=PREFIX: a
program's name and the PREFIX of its jit_dump output (PREFIX.txt lists
"N ADDRESS LENGTH" per function, PREFIX-N.bin holds its code).

Prints TSV rows "symbol<TAB>samples<TAB>ns per packet" for the kernel-side
symbols a packet's BPF work runs in (our programs, the ring buffer, dynptr
and time helpers, the tracepoint dispatch), then writes OUTDIR/NAME-N.annotated
(objdump's disassembly, each instruction with the samples that landed on it)
and OUTDIR/NAME-N.top (the 15 instructions with most samples, in context).
A cpu-clock sample lands on the instruction after the one that stalled, so
read an instruction's count together with the one before it.
"""
import collections
import re
import subprocess
import sys

# where a packet's BPF time is spent besides the programs themselves
HELPERS = re.compile(r"ringbuf|dynptr|ktime_get_mono_fast_ns|bpf_ktime|bpf_trace_run|__bpf_trace_net_dev|"
                     r"bpf_get_current_task|bpf_probe_read|copy_from_kernel_nofault|"
                     r"__bpf_skb_load_bytes|bpf_map_lookup|"
                     # the run-time statistics' clock reads (kernel.bpf_stats_enabled=1)
                     r"sched_clock|pvclock_clocksource_read")


def load_funcs(name, prefix):
    funcs = []
    with open(prefix + ".txt") as f:
        for line in f:
            idx, addr, length = line.split()
            funcs.append((name, int(idx), int(addr, 16), int(length), f"{prefix}-{idx}.bin"))
    return funcs


def disassemble(path):
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", path],
                         capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+(.*)", line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2)))
    return insns


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    samples_path, freq, packets, outdir = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    funcs = []
    for spec in sys.argv[5:]:
        name, prefix = spec.split("=", 1)
        funcs.extend(load_funcs(name, prefix))

    by_sym = collections.Counter()
    by_insn = collections.Counter()
    with open(samples_path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            sym = parts[1] if len(parts) > 1 else "?"
            if sym.startswith("bpf_prog_") or HELPERS.search(sym):
                by_sym[sym] += 1
            try:
                ip = int(parts[0], 16)
            except ValueError:
                continue
            for name, idx, addr, length, _ in funcs:
                if addr <= ip < addr + length:
                    by_insn[(name, idx, ip - addr)] += 1
                    break

    ns_per_sample = 1e9 / freq
    for sym, n in by_sym.most_common():
        per_packet = n * ns_per_sample / packets if packets else float("nan")
        print(f"{sym}\t{n}\t{per_packet:.1f}")

    for name, idx, _, _, binpath in funcs:
        total = sum(n for (fn, fi, _), n in by_insn.items() if fn == name and fi == idx)
        if not total:
            continue
        insns = disassemble(binpath)
        base = f"{outdir}/{name}-{idx}"
        with open(base + ".annotated", "w") as f:
            f.write(f"# {name} function {idx}: {total} samples\n")
            for off, text in insns:
                f.write(f"{by_insn.get((name, idx, off), 0):6d} {off:5x}: {text}\n")
        pos = {off: i for i, (off, _) in enumerate(insns)}
        top = sorted(((n, off) for (fn, fi, off), n in by_insn.items() if fn == name and fi == idx),
                     reverse=True)[:15]
        with open(base + ".top", "w") as f:
            f.write(f"# {name} function {idx}: {total} samples; the 15 instructions with most,"
                    " each after the two before it\n")
            for n, off in top:
                i = pos.get(off)
                if i is None:
                    continue
                for j in range(max(0, i - 2), i + 1):
                    o, text = insns[j]
                    mark = f"{by_insn.get((name, idx, o), 0):6d}" if j == i else "      "
                    f.write(f"{mark} {o:5x}: {text}\n")
                f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
