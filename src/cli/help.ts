// Every command's --help, written for the person at the terminal at 3 a.m.: what it does, what it
// changes (or that it changes nothing), its options, its exit codes, and an example.

import { exitCodeLines } from '../core/exit-codes.js';

const EXIT_CODES = ['Exit codes:', ...exitCodeLines()].join('\n');

// The one exception to the table, for Nagios/Icinga (their plugins' contract).
const NAGIOS_EXIT = `With \`diagnose --format nagios\` the exit code is the monitoring-plugins state instead:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.`;

const COMMON = `Common options:
  --profile NAME       use this distro profile instead of the one matched from /etc/os-release
  --runbooks DIR       also load runbooks from DIR (validated like the built-in ones; repeatable)
  --state-dir DIR      journals, lock and reports (default /var/lib/postfix-fix, or $POSTFIX_FIX_STATE_DIR)
  --no-color           no colour (also: NO_COLOR=1; colour is only used on a terminal anyway)
  --debug              show stack traces and every command run
  -h, --help           this help`;

// The symptom a person brings (--from, --port), the same on diagnose, plan and run.
const SYMPTOM = `  --from ADDRESS       the client that is refused (IPv4, IPv6, or a name, which is resolved and
                       the address shown): every check answers for it — the firewall rules walked
                       with its address (fail2ban, CrowdSec, sshguard: whose rule), fail2ban's
                       bans, Postfix's own access control (postscreen, check_client_access,
                       mynetworks), a container on this host's bridge
  --port PORT          the port it uses (repeatable; default 25 plus every port an smtpd service
                       in master.cf offers): which master.cf service answers it, enabled or not`;

export const HELP: Readonly<Record<string, string>> = {
  main: `postfix-fix — diagnose and fix why a Postfix mail server refuses connections, and prove the fix worked.

Usage: postfix-fix <command> [options]

Commands:
  diagnose             read-only triage: what is wrong, the evidence, and the command that fixes it
  plan                 dry run: what would change, step by step, with diffs (changes nothing)
  run                  fix it: --interactive (asks before every risky step) or --yes (unattended)
  apply FILE           apply a plan saved with \`plan --out FILE\`, if the host still matches it
  rollback             undo a run from its journal (also after a crash): rollback --last | RUN_ID
  validate [PATH...]   check runbooks and profiles (file:line:column for every problem)
  list                 the runbooks, their risk and the causes they fix (--causes: all causes)
  profile              which distro profile matches this host, and why
  watch                diagnose, fix what /etc/postfix-fix/watch.yaml allows, notify on change
  probe TARGET         from a client's machine: does the mail server greet here, and if not, why not

Start here:
  postfix-fix diagnose
  postfix-fix plan                       # what would change
  postfix-fix run --interactive          # fix it, confirming each risky step
  postfix-fix rollback --last            # undo the last run

Run \`postfix-fix <command> --help\` for a command's options.
  -V, --version        print the version

${EXIT_CODES}
${NAGIOS_EXIT}`,

  diagnose: `Usage: postfix-fix diagnose [options]

Read-only triage. Runs every check at once (service, listeners, postfix check, master.pid,
banners on 25/587 from loopback and from the host's own addresses, firewalls, SELinux/AppArmor,
logs, relay safety, queue, DNS, outbound port 25), each with its own timeout, all under one
deadline. Prints the cause in one line, the evidence, and the command that fixes it.
Changes nothing on the host. (It runs \`postfix check\` when the configuration changed since
the master started, or Postfix is down: as at every \`postfix start\`, that may create a missing
queue directory and repair leftover or misnamed queue files.) Some checks need root; as another
user they say so.

Options:
  --timeout SECONDS    overall deadline (default 5); a check that runs out reports "unknown".
                       On a slow host give more: each check's own limit grows in proportion
  --offline            skip checks that leave this host (MX lookup, outbound port 25)
  --outbound-domain D  the domain whose MX the outbound port-25 check dials (default gmail.com)
  --format FORMAT      text (default), markdown (for a ticket), json, nagios (a Nagios/Icinga
                       check), prometheus (metrics for node_exporter's textfile collector)
  --json               same as --format json (versioned schema: schemas/diagnose-report.schema.json)
  --out FILE           write to FILE instead of stdout, atomically (a temp file in FILE's directory,
                       then a rename): what the textfile collector needs (not with nagios)
${SYMPTOM}
${COMMON}

From Nagios or Icinga (--format nagios): one status line, e.g. "POSTFIX-FIX CRITICAL -
postfix-stopped: Postfix is not running | duration=0.270s;;;0 problems=1;;;0 queue=0;;;0", then
the evidence and the fix. CRITICAL when a check fails, WARNING when one only warns, UNKNOWN when
diagnose cannot reach a verdict (bad flags, an invalid runbook, not root), else OK. Run it as root
(from NRPE or the Icinga agent: through sudo); sample command definitions are in
/usr/share/doc/postfix-fix/examples.

From Prometheus (--format prometheus --out FILE): postfix_fix_up (1: the check ran),
postfix_fix_healthy, postfix_fix_cause{cause,status} (0 or 1 for every known cause),
postfix_fix_findings{status}, postfix_fix_queue_messages{queue},
postfix_fix_queue_oldest_message_age_seconds{queue}, postfix_fix_check_duration_seconds,
postfix_fix_last_check_timestamp_seconds. Alert on postfix_fix_up == 0,
postfix_fix_cause{status="fail"} == 1, or a timestamp that stops moving. The exit code keeps the
table below.

Exit codes: 0 healthy · 7 problems a runbook fixes · 4 problems that need a human
            1 diagnose itself failed · 2 usage
            with --format nagios instead: 0 OK · 1 WARNING · 2 CRITICAL · 3 UNKNOWN (also usage)

Examples:
  postfix-fix diagnose --format markdown > ticket.md
  postfix-fix diagnose --from 203.0.113.7 --port 587   # "the office gets Connection refused on 587"
  sudo postfix-fix diagnose --format nagios
  postfix-fix diagnose --format prometheus --out /var/lib/prometheus/node-exporter/postfix_fix.prom`,

  plan: `Usage: postfix-fix plan [--runbook ID]... [--var NAME=VALUE]... [options]

Dry run: diagnoses the host, picks the runbooks that fix what it found (or the ones you name),
and shows every step: the exact change (main.cf lines, firewall rules, unit states), its risk,
the precondition results, how it is undone and how it is verified. Changes nothing on the host.

Options:
  --runbook ID         plan this runbook even if diagnose did not ask for it (repeatable);
                       the only way to plan one marked on_request (milter-bypass, localhost-ipv6)
  --var NAME=VALUE     override a runbook variable, e.g. --var ports=25,587 (repeatable)
  --format FORMAT      text (default), markdown (for a review or ticket), json
  --json               same as --format json
  --out FILE           also save the plan as JSON for \`postfix-fix apply FILE\` (a reviewer's approval)
  --detailed-exitcodes exit 7 when the plan has changes, 0 when there is nothing to do
  --timeout SECONDS    deadline for the diagnosis (default 5)
  --offline            skip diagnose checks that leave this host
  --outbound-domain D  the domain whose MX the outbound port-25 check dials (default gmail.com)
${SYMPTOM}
${COMMON}

Examples:
  postfix-fix plan --format markdown --out /root/postfix-plan.json > plan.md
  postfix-fix plan --from 203.0.113.7          # e.g. lift fail2ban's ban of exactly that client`,

  run: `Usage: postfix-fix run (--interactive | --yes) [options]

Diagnoses, plans and applies the fixes. Every change is journaled before it is made; a failed
step rolls back everything this run applied, newest first, and verifies the host is as before.
Each runbook proves its own layer right after its steps (the listener, the service, the firewall
rule). Then it diagnoses again: a cause a fix revealed is planned and applied in a further round
(same --max-risk, policy and prompts; one run, one \`rollback --last\`). Last, once, the
end-to-end proof: the greeting on this host's own addresses, mail to postmaster accepted up to
RCPT, relaying refused. A cause no runbook may fix leaves the other layers fixed (exit 4).

  --interactive        shows progress and asks before every medium/high-risk step:
                       yes / no (skip it and the rest of its runbook) / abort (roll back) / details
  --yes                unattended: never prompts, never waits on input, works without a TTY;
                       steps above --max-risk are skipped and reported (exit 4)
Without either flag, at a terminal run asks like --interactive; without a terminal it changes
nothing and says how to proceed.

Options:
  --max-risk LEVEL     low | medium (default) | high: the riskiest step --yes may apply
  --runbook ID         run this runbook (repeatable); default: what diagnose found
                       (runbooks marked on_request run only when named here)
  --var NAME=VALUE     override a runbook variable (repeatable)
  --policy FILE        a policy file: allowed/forbidden runbooks and a risk cap (for automation)
  --json               print the run report as JSON on stdout (schemas/run-report.schema.json)
  --detailed-exitcodes 0 nothing to do · 10 changed and healthy · 3/4/5/6 as below
  --timeout SECONDS    deadline for the diagnosis (default 5)
  --offline            skip diagnose checks that leave this host
  --outbound-domain D  the domain whose MX the outbound port-25 check dials (default gmail.com)
${SYMPTOM}
${COMMON}

${EXIT_CODES}

Examples:
  postfix-fix run --interactive
  postfix-fix run --yes --max-risk medium --json > report.json
  postfix-fix run --yes --from 203.0.113.7 --var ignore=true   # unban it, and keep it unbanned`,

  apply: `Usage: postfix-fix apply FILE [options]

Applies a plan saved with \`plan --out FILE\`. The plan is the approval: no prompts. It refuses,
naming what drifted, if the host, the runbooks or the tool version changed since the plan was
made, and applies exactly the planned steps. Then it diagnoses again: a cause the fixes
revealed is fixed only by a runbook the plan lists (a reviewer approved that plan, not more),
else reported (exit 4) — unless --converge.

Options:
  --converge           also fix what the plan's fixes reveal with runbooks it does not list
                       (their steps are held to --max-risk: nobody reviewed them)
  --max-risk LEVEL     low | medium (default) | high: the riskiest step outside the plan
  --json               print the run report as JSON on stdout
  --detailed-exitcodes 0 nothing to do · 10 changed and healthy
${COMMON}

Exit codes: 0 done · 5 refused (drifted, other version, lock held) · 3 failed and rolled back · 2 bad file`,

  rollback: `Usage: postfix-fix rollback (--last | RUN_ID) [options]

Undoes a run from its journal, newest change first — also after postfix-fix was killed mid-run.
Each step is restored to the state recorded before it changed (main.cf byte for byte, unit
states, our firewall rules only) and the restoration is verified. Steps already undone are
skipped, so running it twice is safe. A damaged journal is detected: it says exactly what it
can and cannot undo.

Options:
  --last               the most recent run that changed something
  --list               list runs with their status instead
  --step SEQ           undo only this step of the run
  --json               report as JSON
${COMMON}`,

  validate: `Usage: postfix-fix validate [PATH...] [options]

Checks runbooks and profiles: YAML syntax, schema, modules and their arguments, conditions and
templates (fact paths, variables), cause ids, duplicate ids, profile inheritance and ambiguous
profile matches. Every problem is reported as FILE:LINE:COLUMN: FIELD: what is wrong (expected …).
Without PATH: the built-in runbooks and profiles (plus --runbooks DIR).

Options:
  --json               problems as JSON
  --list-facts         print the fact paths runbooks may use, with their types
${COMMON}

Exit codes: 0 valid · 2 problems found`,

  list: `Usage: postfix-fix list [options]

Lists the runbooks: id, title, the riskiest step, and the causes (from diagnose) each one fixes.

Options:
  --causes             list every cause diagnose can report, and which runbook fixes it
  --json               as JSON
${COMMON}`,

  watch: `Usage: postfix-fix watch [--once | --interval SECONDS] [--policy FILE] [options]

Self-healing within a policy. Each tick diagnoses the host, then fixes what the watch policy
allows, journaled like \`run\` (\`postfix-fix rollback RUN_ID\` undoes it), and tells you only when
something changed: a problem appeared, a fix worked, a fix failed, back-off was reached, a problem
went away. A host that stays broken is not reported again every tick.

The policy (/etc/postfix-fix/watch.yaml; schemas/watch-policy.schema.json; an example is in
/usr/share/doc/postfix-fix/examples/watch.yaml) says which runbooks may run (allow, forbid), the
riskiest step (max_risk, default low), how often one cause may be fixed (max_fixes_per_cause_per_hour,
default 3: then back-off, one notice, no further fix until the oldest of those is an hour old), and
where notices go: syslog (one line, default on), a hook (a program given the notice as JSON on
stdin, killed at its timeout) and a webhook (a JSON POST with a timeout and bounded retries, sent
after the fix, never before it). An invalid policy stops watch before it looks at anything, and
so does one that someone other than root could have written (it decides what root runs).

Never two at once: a tick that finds another run or tick holding the lock skips (exit 5).

Options:
  --once               one tick, then exit (for the systemd timer and cron)
  --interval SECONDS   without --once: seconds between ticks (default 300), until SIGTERM/SIGINT
  --policy FILE        the watch policy (default /etc/postfix-fix/watch.yaml)
  --json               one JSON document per tick on stdout: problems, events, the run report,
                       the notice and how each delivery went. Without it watch prints only when
                       something changed
  --timeout SECONDS    deadline for each diagnosis (default 5)
  --offline            skip diagnose checks that leave this host
  --outbound-domain D  the domain whose MX the outbound port-25 check dials (default gmail.com)
${COMMON}

The .deb ships a systemd timer, disabled: \`systemctl enable --now postfix-fix-watch.timer\` runs
\`watch --once --offline\` a minute after it starts, then every 5 minutes (\`systemctl edit\`
changes that). --offline there: looking up MX records and dialling a public MX every few minutes
is not polite, and a tick could not fix what they find.

Exit codes: 0 healthy, or fixed · 4 a problem is left for a person (not allowed, back-off, no
            runbook) · 3 a fix failed and was rolled back · 6 rollback incomplete · 5 skipped:
            another run holds the lock · 2 bad policy or usage · 1 internal error (with --once)

Examples:
  postfix-fix watch --once --policy /etc/postfix-fix/watch.yaml
  */5 * * * * root /usr/bin/postfix-fix watch --once --offline`,
  probe: `Usage: postfix-fix probe TARGET [--port N]... [options]

Run on the client's machine (the office PC, the application server, a monitoring station): dials
the mail server as that client does and says, for every address and port, what happens, what
it means and which causes on the server fit it. Needs no root and changes nothing anywhere.
TARGET is a domain or host name, or an address. Port 25 goes to the name's MX hosts (without MX,
to the name itself), other ports to the name's own A/AAAA, as mail clients connect; /etc/hosts
counts first. Each port is one of: banner (greets), rejected (greets with a 4xx/5xx refusal),
refused (TCP reset), unreachable (an ICMP reject: a firewall), timeout (dropped: a DROP rule, a
provider's firewall, an ISP blocking 25), no-banner (connects, never greets). Where a port
fails, the other mail ports of the address (25, 465, 587) are dialled too, and a refusal is
told apart as TCP reset or ICMP port-unreachable: what the server must be doing narrows down.
A port that greets is asked for STARTTLS (465: TLS from the first byte): whether it works, the
certificate's names, expiry and trust (Node's root store, plus a CA in NODE_EXTRA_CA_CERTS).

Options:
  --port N             a port to dial (repeatable, or 25,587,465); default 25
  --timeout SECONDS    overall deadline (default 10): name lookup and every dial, start-up
                       included; a port that does not answer in time is reported as timeout
  --relay-test         also try MAIL FROM:<postfix-fix-probe@example.org> and RCPT
                       TO:<relay-test@example.net> after EHLO (inside TLS when offered), then
                       RSET: never DATA, nothing is sent. Accepted means an open relay for this client
  --json               as JSON (versioned schema: schemas/probe-report.schema.json), one result
                       per address and port: address, port, outcome, meaning, causes, tls, relay
  --no-color           no colour (also: NO_COLOR=1)
  --debug              show stack traces
  -h, --help           this help

Exit codes: 0 every port greets on every address (and --relay-test was refused)
            4 a port does not greet, TARGET does not resolve, or a relay was accepted
            2 usage (a --port outside 1-65535, TARGET not a name or address): nothing dialled
            1 probe itself failed

Examples:
  postfix-fix probe example.org
  postfix-fix probe mail.example.org --port 587 --port 465
  postfix-fix probe 192.0.2.10 --port 25 --relay-test --json`,

  profile: `Usage: postfix-fix profile [options]

Shows which distro profile matches this host (from /etc/os-release) and why, what it expects
(service manager, units, paths, firewall order, logs), and what the host actually has.

Options:
  --json               as JSON
${COMMON}`,
};
