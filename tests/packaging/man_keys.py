#!/usr/bin/python3
"""Compare `dnstrail --help-config` (on stdin) with dnstrail.yaml(5) (argv[1]).

Reference lines: "KIND NAME: description" opens a section, "  KEY TYPE help"
is one key of it. The page must have ".SS KIND: NAME" per section holding
".B KEY" or ".BR KEY" per key, and no subsection the daemon does not know.
"""
import re
import sys

ref = sys.stdin.read()
page = open(sys.argv[1]).read()

# the man page: subsection "kind: name" -> its text
subs = {}
for m in re.finditer(r'^\.SS (\w+): (\S+)\n(.*?)(?=^\.S[SH] |\Z)', page, re.M | re.S):
    subs[(m.group(1), m.group(2))] = m.group(3)

fails = 0
seen = set()
cur = None
nkeys = 0
for line in ref.splitlines():
    m = re.match(r'^(section|input|filter|output) (\S+?):', line)
    if m:
        cur = (m.group(1), m.group(2))
        seen.add(cur)
        if cur not in subs:
            print(f"FAIL - no '.SS {cur[0]}: {cur[1]}' in the man page")
            fails += 1
        continue
    m = re.match(r'^  (\S+)\s', line)
    if m and cur:
        key = m.group(1)
        nkeys += 1
        body = subs.get(cur, "")
        if not re.search(r'^\.BR? ' + re.escape(key) + r'(\s|$)', body, re.M):
            print(f"FAIL - {cur[0]} {cur[1]}: key '{key}' not documented")
            fails += 1
for s in subs:
    if s not in seen:
        print(f"FAIL - man page documents {s[0]} '{s[1]}', which --help-config does not list")
        fails += 1
if nkeys == 0:
    print("FAIL - no keys parsed from --help-config")
    fails += 1
print(f"{len(seen)} sections, {nkeys} keys checked, {fails} problem(s)")
sys.exit(1 if fails else 0)
