#!/bin/bash
# The command line of the contract: --help (ending with examples), --version,
# --check-config (exit status, FILE:LINE: reason), --help-config, bad options.
. "$(dirname "$0")/pipeline_lib.sh"

out=$("$DNSTRAIL" --help)
for o in -c, --config --stdout --publish --connect --pcap --duration --check-config --verbose --version --help; do
	check "--help names $o" grep -q -- "$o" <<<"$out"
done
check "--help ends with examples" bash -c "tail -n 12 <<<'$out' | grep -q '^Examples:'"
check "--version" bash -c "'$DNSTRAIL' --version | grep -Eq '^dnstrail [0-9]+\.[0-9]+'"
ref=$("$DNSTRAIL" --help-config)
for p in service domain query process sample rate_limit stdout syslog file; do
	check "--help-config covers $p" grep -q " $p:" <<<"$ref"
done
check "--help-config=man is roff" bash -c "'$DNSTRAIL' --help-config=man | grep -q '^\.SS output: syslog'"

check "keygen subcommand writes a CURVE pair" bash -c "'$DNSTRAIL' keygen -o '$W' k >/dev/null && test -s '$W/k.key' -a -s '$W/k.key_secret'"
set +e
"$DNSTRAIL" --no-such-option >/dev/null 2>&1; eq "unknown option exits 2" $? 2
"$DNSTRAIL" --duration nope >/dev/null 2>&1; eq "bad --duration exits 2" $? 2

printf 'service:\n  log_level: info\npipeline:\n  outputs:\n    - name: stdout\n      format: yaml\n' >"$W/bad.yaml"
msg=$("$DNSTRAIL" --check-config -c "$W/bad.yaml" 2>&1); eq "invalid plugin value: exit 1" $? 1
eq "message" "$msg" "$W/bad.yaml:6: format: \"yaml\" is not one of json, text"

printf 'pipeline:\n  outputs:\n    - name: stdout\n      formt: json\n' >"$W/bad2.yaml"
msg=$("$DNSTRAIL" --check-config -c "$W/bad2.yaml" 2>&1); eq "unknown key: exit 1" $? 1
eq "unknown key message" "$msg" "$W/bad2.yaml:4: formt: unknown key"

printf 'pipeline:\n  outputs:\n    - name: stdout\n       format: json\n' >"$W/bad3.yaml"
msg=$("$DNSTRAIL" --check-config -c "$W/bad3.yaml" 2>&1); eq "YAML error: exit 1" $? 1
check "YAML error has FILE:LINE" grep -q "^$W/bad3.yaml:4: YAML syntax error" <<<"$msg"

msg=$("$DNSTRAIL" --check-config -c "$W/missing.yaml" 2>&1); eq "missing file: exit 1" $? 1
check "missing file is named" grep -q "missing.yaml" <<<"$msg"

printf 'pipeline:\n  outputs:\n    - name: file\n      path: %s/x.log\n' "$W" >"$W/good.yaml"
"$DNSTRAIL" --check-config -c "$W/good.yaml" >/dev/null 2>&1; eq "valid config: exit 0" $? 0
check "--check-config opened nothing" test ! -e "$W/x.log"
"$DNSTRAIL" --check-config --stdout=text --publish tcp://127.0.0.1:1 >/dev/null 2>&1; eq "no config, CLI only: exit 0" $? 0
# endpoint syntax is checked without binding
msg=$("$DNSTRAIL" --check-config --publish notanendpoint 2>&1); eq "bad --publish: exit 1" $? 1
check "bad --publish says command line" grep -q '^command line: publish: "notanendpoint"' <<<"$msg"
printf 'pipeline:\n  outputs:\n    - name: zmq\n      publish:\n        - tcp://127.0.0.1:5556\n        - tcp://127.0.0.1\n' >"$W/bad4.yaml"
msg=$("$DNSTRAIL" --check-config -c "$W/bad4.yaml" 2>&1); eq "bad endpoint in file: exit 1" $? 1
check "bad endpoint has FILE:LINE: key" grep -q "^$W/bad4.yaml:6: publish: \"tcp://127.0.0.1\"" <<<"$msg"
printf 'pipeline:\n  outputs:\n    - name: syslog\n      address: udp//loghost:514\n' >"$W/bad5.yaml"
msg=$("$DNSTRAIL" --check-config -c "$W/bad5.yaml" 2>&1); eq "bad syslog address: exit 1" $? 1
check "bad syslog address has FILE:LINE: key" grep -q "^$W/bad5.yaml:4: address: " <<<"$msg"
set -e
finish
