#!/bin/bash
# SPDX-License-Identifier: MIT
# The packet programs' own stack frames stay below 64 bytes, so the kernel
# (6.13 on) runs them on the kernel stack and not on a per-CPU private stack
# (bpf/dnstrail.bpf.c, dt_l3()): every packet of the host runs through them,
# and the private stack's 4 KiB pages cost a page walk per packet where the
# kernel's TLB is flushed at each return to user space. Read off the BPF
# object: the deepest r10 offset of each program's own instructions.
#
#   bpf_frames.sh BUILD_DIR
set -u
OBJ=${1:?usage: bpf_frames.sh BUILD_DIR}/bpf/dnstrail.bpf.o
LIMIT=64
OBJDUMP=$(command -v llvm-objdump || ls /usr/bin/llvm-objdump-* 2>/dev/null | head -1)
[[ -x "$OBJDUMP" ]] || { echo "FAIL: llvm-objdump not found (Debian package llvm)"; exit 1; }
[[ -f "$OBJ" ]] || { echo "FAIL: no $OBJ"; exit 1; }

# "function deepest-offset" per function symbol of the object
frames=$("$OBJDUMP" -d --no-show-raw-insn "$OBJ" | awk '
	/^[0-9a-f]+ <[A-Za-z_][A-Za-z0-9_]*>:$/ {
		name = $2; gsub(/[<>:]/, "", name)
		if (name !~ /^LBB/) { fn = name; depth[fn] += 0 }
		next
	}
	fn != "" && /r10 - [0-9]/ {
		s = $0; sub(/.*r10 - /, "", s); sub(/[^0-9].*/, "", s)
		if (s + 0 > depth[fn]) depth[fn] = s + 0
	}
	END { for (f in depth) print f, depth[f] }')

fail=0
for prog in dt_net_dev_queue dt_netif_receive_skb dt_l3; do
	d=$(awk -v p="$prog" '$1 == p { print $2 }' <<<"$frames")
	if [[ -z "$d" ]]; then
		echo "FAIL: no function $prog in $OBJ"
		fail=1
	elif [[ $prog == dt_l3 ]]; then
		# the check can fail: the DNS path's frame is the large one
		if ((d >= LIMIT)); then
			echo "ok: dt_l3 (the DNS-port path) uses $d bytes of stack"
		else
			echo "FAIL: dt_l3 uses $d bytes: is the DNS-port path still in it?"
			fail=1
		fi
	elif ((d >= LIMIT)); then
		echo "FAIL: $prog uses $d bytes of stack (limit $((LIMIT - 1))): its DNS-port work belongs in dt_l3()"
		fail=1
	else
		echo "ok: $prog uses $d bytes of stack"
	fi
done
exit $fail
