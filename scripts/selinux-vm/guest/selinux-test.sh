#!/bin/sh
# The real-SELinux test of the `selinux` runbook. Runs INSIDE the TCG VM at boot (started by the
# image's launcher from the payload disk, /opt/postfix-fix), as root, output on the serial
# console. One line per assertion:
#   RESULT name=NAME ok=true|false detail=TEXT
# which test/selinux/real-selinux.test.ts turns into mocha assertions (it expects every name in
# its EXPECTED list, so a step that never ran fails too). Never stops early: a failed step is a
# false RESULT and the next steps still run. Evidence goes to the console between "---" headers.
set -u
D=/opt/postfix-fix
PORT=2525
W=/root/pff-selinux-test
AUDIT=/var/log/audit/audit.log
# diagnose's deadline (default 5 s) is sized for real hardware; TCG runs ~20x slower, and with
# the default most probes answer "unknown" here. The tool's own option for slow hosts.
TIMEOUT=60
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root NO_COLOR=1
export POSTFIX_FIX_DATA_DIR=$D
mkdir -p "$W"
cd "$W" || exit 1

# The CLI runs in this unit's own domain (initrc_t): as a provisioning unit or `systemd-run`
# runs it. system_r may run Postfix's commands. A root login shell (below) may not.
# --jitless: Debian's reference policy denies execmem to initrc_t and unconfined_t alike, and
# V8's JIT aborts node without it (measured: "Check failed: 12 == errno" on the first compile).
export NODE_OPTIONS=--jitless
pff() { "$D/node" "$D/postfix-fix-standalone.mjs" "$@"; }
# A root login on Debian's reference policy: root -> unconfined_u, unconfined_r, unconfined_t.
ADMIN_CTX=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023
pff_admin() { NODE_OPTIONS=--jitless runcon "$ADMIN_CTX" "$D/node" "$D/postfix-fix-standalone.mjs" "$@"; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
section() { echo; echo "--- [t=$(now)] $*"; }
one_line() { tr '\n\t\r' '   ' | sed 's/  */ /g' | cut -c1-400; }
result() { # NAME true|false DETAIL...
  n=$1 o=$2
  shift 2
  printf 'RESULT name=%s ok=%s detail=%s\n' "$n" "$o" "$(printf '%s' "$*" | one_line)"
}
check() { # NAME DETAIL CMD... : ok when CMD succeeds
  n=$1 d=$2
  shift 2
  if "$@" >/dev/null 2>&1; then result "$n" true "$d"; else result "$n" false "$d"; fi
}
# A JS expression over the parsed JSON file, `j` (node is on the payload anyway).
json() {
  "$D/node" -e 'const fs=require("fs");let j;try{j=JSON.parse(fs.readFileSync(process.argv[1],"utf8"))}catch(e){console.log("unparsable: "+e.message);process.exit(0)}const v=new Function("j","return ("+process.argv[2]+")")(j);console.log(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2" 2>/dev/null
}
# What SELinux refused since audit.log line $1 (besides node's execmem): the evidence that
# explains a failed CLI step.
denials_since() {
  tail -n +"$1" "$AUDIT" | grep -E 'type=(AVC|SELINUX_ERR)' | grep -v 'execmem' | tail -n 8 | cut -c1-420
}
audit_mark() { wc -l < "$AUDIT"; }
# The run report, readable: status, each step with its diff and evidence, verifications, error.
report() {
  json "$1" '["status "+j.status+" (exit "+j.exitCode+")", ...j.steps.map(s=>"  step "+s.seq+" "+s.runbook+"/"+s.name+" ["+s.risk+"]: "+s.status+(s.reason?" ("+s.reason+")":"")+"\n      diff: "+s.diff.join(" / ")+"\n      evidence: "+s.evidence.join(" / ")), ...j.verifications.map(v=>"  verify "+v.name+": "+v.ok+" "+v.evidence.join(" / ")), ...(j.rollback||[]).map(r=>"  rollback "+r.name+": "+r.ok+" "+r.evidence.join(" / ")), "  error: "+JSON.stringify(j.error), "  needsHuman: "+JSON.stringify(j.needsHuman), "  remaining: "+JSON.stringify(j.remaining)].join("\n")'
}
wait_for() { # SECONDS CMD... : poll every 0.5 s
  w_end=$(awk -v t="$(now)" -v s="$1" 'BEGIN { print t + s }')
  shift
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    awk -v t="$(now)" -v e="$w_end" 'BEGIN { exit !(t > e) }' && return 1
    sleep 0.5
  done
}
ports_list() { semanage port -l -n > "$W/ports.txt" 2>&1; grep -E '^smtp_port_t[[:space:]]+tcp[[:space:]]' "$W/ports.txt"; }
smtp_labelled() { ports_list | grep -Eq "[[:space:]]$PORT(,|\$)"; }
listening() { ss -Hltn | awk '{ print $4 }' | grep -Eq "[:.]$1\$"; }
listeners() { ss -Hltn | awk '{ print $4 }' | sort | tr '\n' ' '; }
banner() { printf 'QUIT\r\n' | timeout 20 nc -w 15 127.0.0.1 "$1" 2>/dev/null | head -n1 | tr -d '\r'; }
enforce_is() { [ "$(getenforce)" = "$1" ]; }
mac_status_count() { grep -c 'type=MAC_STATUS' "$AUDIT" 2>/dev/null || true; }
postfix_unit_state() { systemctl show -p ActiveState --value postfix@-.service; }
# Restart Postfix the way the operator would; under enforcing it fails on :2525. Waits until the
# denial is in the audit log (auditd writes it asynchronously).
break_postfix() {
  bp_before=$(grep -c "name_bind.*src=$PORT " "$AUDIT" 2>/dev/null || true)
  systemctl restart postfix@-.service > "$W/restart.out" 2>&1
  bp_rc=$?
  wait_for 60 sh -c "[ \$(grep -c 'name_bind.*src=$PORT ' $AUDIT) -gt $bp_before ]"
  bp_new=$?
  return 0
}

section "guest: $(uname -r), $(id -Z 2>/dev/null), $(. /etc/os-release; echo "$PRETTY_NAME")"
sestatus
echo "launcher context: $(cat /proc/$$/attr/current 2>/dev/null)"
ls -Z "$D/node" "$D/postfix-fix-standalone.mjs" /usr/lib/postfix/sbin/master /usr/sbin/semanage 2>&1
ps -eZ | grep -E ' (master|auditd|systemd)$'
CONFIG_SHA=$(sha256sum /etc/selinux/config | cut -d' ' -f1)

section "node from the machine, in the guest"
ldd "$D/node" 2>&1 | tee "$W/ldd.txt"
if grep -q 'not found' "$W/ldd.txt" || ! grep -q 'libc.so.6' "$W/ldd.txt"; then
  result guest-node-libs false "$(grep 'not found' "$W/ldd.txt")"
else
  result guest-node-libs true "$(grep -c '=>' "$W/ldd.txt") libraries resolved; $(ldd --version | head -n1)"
fi
t=$(now)
VERSION=$(pff --version 2>/dev/null)
rc=$?
NODE_CTX=$("$D/node" -e 'console.log(require("fs").readFileSync("/proc/self/attr/current","utf8").replace(/\0/g,"").trim())' 2>/dev/null)
[ $rc -eq 0 ] && result guest-cli-runs true "postfix-fix $VERSION in $(since "$t") s; node runs as $NODE_CTX" \
  || result guest-cli-runs false "exit $rc: $VERSION"

section "SELinux: enforcing"
mode0=$(getenforce)
[ "$mode0" = Enforcing ] || [ "$mode0" = Permissive ]
check selinux-enabled "booted $mode0; policy $(sestatus | awk -F: '/Loaded policy name/ { gsub(/ /, "", $2); print $2 }')" [ "$mode0" != Disabled ]
setenforce 1
check enforcing "getenforce: $(getenforce)" enforce_is Enforcing

echo "smtp_port_t: $(ports_list)"
echo "what $PORT is now: $(grep -E "[[:space:]]$PORT(,|\$)" "$W/ports.txt" | head -3)"
check port-unlabelled-before "smtp_port_t tcp: $(ports_list | awk '{ $1=""; $2=""; print }')" sh -c "! grep -Eq '^smtp_port_t[[:space:]]+tcp[[:space:]].*[[:space:]]$PORT(,|\$)' $W/ports.txt"

section "break it: a Postfix service on :$PORT, restart under enforcing"
postconf -Me "$PORT/inet=$PORT inet n - y - - smtpd"
postconf -M "$PORT/inet"
touch -d '-1 min' /etc/postfix/master.cf
break_postfix
sleep 2
journalctl -u postfix@- --no-pager -n 8 -o cat
echo "listening: $(listeners)"
result postfix-denied-port "$( ! listening $PORT && echo true || echo false)" \
  "systemctl restart postfix@- exit $bp_rc, unit $(postfix_unit_state); listening: $(listeners)"
ausearch -m AVC -ts recent -i > "$W/avc.txt" 2>&1
tail -n 6 "$W/avc.txt"
AVC=$(grep 'denied' "$W/avc.txt" | grep 'name_bind' | grep "src=$PORT " | tail -n1)
[ -n "$AVC" ] && [ $bp_new -eq 0 ] && echo "$AVC" | grep -q 'permissive=0' \
  && result avc-name-bind "true" "$AVC" || result avc-name-bind false "bp_new=$bp_new; $(tail -n2 "$W/avc.txt")"

section "from a root login shell ($ADMIN_CTX), default booleans"
# V8's JIT maps memory executable (execmem), which Debian's reference policy denies unconfined
# domains unless allow_execmem is on: plain node aborts there. --jitless (no executable memory
# at run time) is the documented way to run postfix-fix from such a shell.
NODE_OPTIONS= runcon "$ADMIN_CTX" "$D/node" -e 'for (let i = 0; i < 1e6; i++) JSON.stringify({ i })' > plain.out 2>&1
echo "plain node in $ADMIN_CTX: exit $? $(grep -m1 'Check failed' plain.out); allow_execmem $(getsebool allow_execmem | awk '{ print $3 }')"
V=$(pff_admin --version 2>/dev/null)
[ -n "$V" ] && [ "$V" = "$(pff --version 2>/dev/null)" ] && result admin-shell-cli-runs-jitless true "NODE_OPTIONS=--jitless: $V" \
  || result admin-shell-cli-runs-jitless false "NODE_OPTIONS=--jitless: '$V'"
# That shell may not run `postfix` (unconfined_r cannot enter postfix_master_t): diagnose must
# say it could not check, not call the configuration broken.
m=$(audit_mark)
pff_admin diagnose --offline --json --timeout $TIMEOUT > diag-admin.json 2> diag-admin.err
rc=$?
json diag-admin.json 'j.findings.filter(f=>f.status!=="ok").map(f=>f.status+" "+(f.cause||f.check)+": "+f.title+" | "+f.evidence.join(" | ")).join("\n")'
denials_since "$m"
# (The hint that names SELinux needs the mac fact, which TCG may not gather within its budget;
# the unit test of the probe covers it.)
HONEST=$(json diag-admin.json '!j.findings.some(f=>f.cause==="postfix-config-invalid") && j.findings.some(f=>f.check==="postfix_check" && f.status==="unknown" && /refused/.test(f.title))')
result admin-shell-diagnose-honest "$( [ $rc -lt 128 ] && [ "$HONEST" = true ] && echo true || echo false)" \
  "exit $rc; postfix_check: $(json diag-admin.json 'JSON.stringify(j.findings.filter(f=>f.check==="postfix_check").map(f=>f.status+" "+f.title))'); causes: $(json diag-admin.json 'j.findings.filter(f=>f.cause).map(f=>f.cause).join(",")')"

section "postfix-fix diagnose --offline --json"
t=$(now)
m=$(audit_mark)
pff diagnose --offline --json --timeout $TIMEOUT > diag.json 2> diag.err
rc=$?
echo "exit $rc in $(since "$t") s; topCause: $(json diag.json 'j.topCause')"
json diag.json 'j.findings.filter(f=>f.status!=="ok").map(f=>f.status+" "+(f.cause||f.check)+": "+f.title+" | "+f.evidence.join(" | ")).join("\n")'
cat diag.err
denials_since "$m"
result diagnose-finds-selinux-denials "$(json diag.json 'j.findings.some(f=>f.cause==="selinux-denials")')" \
  "exit $rc in $(since "$t") s; causes: $(json diag.json 'j.findings.filter(f=>f.cause).map(f=>f.cause).join(",")')"

section "postfix-fix run --yes --max-risk high --offline --json (the durable fix)"
mac0=$(mac_status_count)
t=$(now)
m=$(audit_mark)
pff run --yes --max-risk high --offline --json --timeout $TIMEOUT > run1.json 2> run1.err
rc=$?
dt=$(since "$t")
echo "exit $rc in $dt s"
report run1.json
tail -n 20 run1.err
denials_since "$m"
STATUS=$(json run1.json 'j.status')
[ $rc -eq 0 ] && [ "$STATUS" = changed ] && result run-changed true "exit $rc, status $STATUS, $dt s" \
  || result run-changed false "exit $rc, status $STATUS, $dt s; $(json run1.json 'JSON.stringify(j.error)') $(tail -n 3 run1.err)"
check run-labelled-port "smtp_port_t tcp: $(ports_list | awk '{ $1=""; $2=""; print }')" smtp_labelled
check run-still-enforcing "getenforce: $(getenforce)" enforce_is Enforcing
mac1=$(mac_status_count)
check run-never-permissive "MAC_STATUS audit events during the run: $((mac1 - mac0))" [ "$mac1" -eq "$mac0" ]
wait_for 30 listening $PORT
check run-listens-port "unit $(postfix_unit_state); listening: $(listeners)" listening $PORT
B=$(banner $PORT)
B25=$(banner 25)
result run-banner-port "$(echo "$B" | grep -q '^220 .*Postfix' && echo true || echo false)" "127.0.0.1:$PORT says: $B; :25 says: $B25"

section "postfix-fix rollback --last"
t=$(now)
pff rollback --last --json > rb1.json 2> rb1.err
rc=$?
echo "exit $rc in $(since "$t") s"
json rb1.json 'JSON.stringify(j).slice(0,1500)'
tail -n 5 rb1.err
check rollback-ok "exit $rc in $(since "$t") s" [ $rc -eq 0 ]
check rollback-unlabelled "smtp_port_t tcp: $(ports_list | awk '{ $1=""; $2=""; print }'); listening: $(listeners)" sh -c "! grep -Eq '^smtp_port_t[[:space:]]+tcp[[:space:]].*[[:space:]]$PORT(,|\$)' $W/ports.txt"

section "the temporary path: confirm_permissive=true, permissive_seconds=30"
break_postfix
mac0=$(mac_status_count)
t=$(now)
m=$(audit_mark)
pff run --yes --max-risk high --offline --json --timeout $TIMEOUT --runbook selinux --var confirm_permissive=true --var permissive_seconds=30 > run2.json 2> run2.err
rc=$?
dt=$(since "$t")
echo "exit $rc in $dt s"
report run2.json
tail -n 10 run2.err
denials_since "$m"
grep 'type=MAC_STATUS' "$AUDIT" | tail -n 3
mac1=$(mac_status_count)
STATUS=$(json run2.json 'j.status')
[ $rc -eq 0 ] && [ "$STATUS" = changed ] && result permissive-run-changed true "exit $rc, status $STATUS, $dt s" \
  || result permissive-run-changed false "exit $rc, status $STATUS, $dt s; $(json run2.json 'JSON.stringify(j.error)') $(tail -n 3 run2.err)"
check permissive-was-used "MAC_STATUS audit events during the run: $((mac1 - mac0)) (setenforce 0, then 1)" [ $((mac1 - mac0)) -ge 2 ]
check permissive-enforcing-after "getenforce: $(getenforce)" enforce_is Enforcing
check selinux-config-untouched "sha256 of /etc/selinux/config unchanged" [ "$(sha256sum /etc/selinux/config | cut -d' ' -f1)" = "$CONFIG_SHA" ]
pff rollback --last --json > rb2.json 2> rb2.err
check permissive-rollback-ok "rollback --last exit $?; smtp_port_t tcp: $(ports_list | awk '{ $1=""; $2=""; print }')" sh -c "! grep -Eq '^smtp_port_t[[:space:]]+tcp[[:space:]].*[[:space:]]$PORT(,|\$)' $W/ports.txt"

section "the crash path: SIGKILL while permissive; the systemd timer restores enforcing"
break_postfix
t=$(now)
m=$(audit_mark)
# node itself in the background, not the pff function: $! must be the CLI's own pid (a function
# runs in a subshell, and killing that would leave node to finish the run normally).
"$D/node" "$D/postfix-fix-standalone.mjs" run --yes --max-risk high --offline --json --timeout $TIMEOUT --runbook selinux --var confirm_permissive=true --var permissive_seconds=30 > run3.json 2> run3.err &
PID=$!
# Until permissive, or until the run ends by itself (then there is nothing to kill; an exited
# child stays a zombie until `wait`, so kill -0 would not tell).
alive() { st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
permissive_or_ended() { enforce_is Permissive || ! alive "$PID"; }
if wait_for 600 permissive_or_ended && enforce_is Permissive; then
  kill -9 $PID
  t_kill=$(now)
  result crash-reached-permissive true "Permissive $(since "$t") s after the run started (pid $PID)"
else
  kill -9 $PID 2>/dev/null
  t_kill=$(now)
  result crash-reached-permissive false "never Permissive ($(since "$t") s); $(tail -n 3 run3.err | one_line)"
fi
wait $PID
rc=$?
check crash-killed "the run's exit status: $rc (137 = SIGKILL)" [ $rc -eq 137 ]
check crash-still-permissive "getenforce right after the kill: $(getenforce)" enforce_is Permissive
systemctl list-timers --all --no-pager > timers.txt 2>&1
cat timers.txt
check crash-guard-timer "$(grep postfix-fix-guard timers.txt | sed 's/  */ /g')" grep -q postfix-fix-guard timers.txt
if wait_for 45 enforce_is Enforcing; then
  result crash-enforcing-restored true "Enforcing again $(since "$t_kill") s after the kill (deadline 30 s from scheduling)"
else
  result crash-enforcing-restored false "still $(getenforce) $(since "$t_kill") s after the kill"
fi
journalctl --no-pager -o short-monotonic | grep -i 'postfix-fix-guard' | tail -n 8
tail -n 5 run3.err
grep 'type=MAC_STATUS' "$AUDIT" | tail -n 2
denials_since "$m"
pff rollback --list --json > list.json 2> list.err
json list.json 'JSON.stringify(j.runs.slice(-3))'
check crash-run-left-open "last run: $(json list.json 'j.runs[j.runs.length-1].status')" sh -c "'$D/node' -e 'const j=JSON.parse(require(\"fs\").readFileSync(\"list.json\",\"utf8\"));process.exit(/no end record/.test(j.runs[j.runs.length-1].status)?0:1)'"
check selinux-config-untouched-end "sha256 of /etc/selinux/config unchanged" [ "$(sha256sum /etc/selinux/config | cut -d' ' -f1)" = "$CONFIG_SHA" ]
section "done at t=$(now)"
