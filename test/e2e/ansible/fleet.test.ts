// The Ansible integration, end to end: Debian's ansible-core, on a control host, runs
// contrib/ansible/site.yml (the postfix_fix role and module) with -f 3 against three mail
// servers, each broken differently, reached over SSH on veth links — every one of them a lab
// host with its own sshd (test/e2e/ansible/sshd.ts). Judged by what the control host (a peer)
// sees on port 25 and by Ansible's own recap:
//
//   1. --check --diff on fresh hosts: the role would install postfix-fix and says check mode
//      cannot look further without it; nothing changes.
//   2. --tags postfix_fix_install: the role installs the .deb (copy + apt); Postfix untouched.
//   3. --check --diff: the module plans (postfix-fix plan): "changed" on all three, with the
//      diffs; nothing changes on any host (main.cf, master.cf, firewalls, listeners, journals).
//   4. the real run: all three fixed in parallel; the role's own proof from outside — `postfix-fix
//      probe` on the control host (the single-file bundle) — greets on each; so does the peer.
//   5. again: nothing changes (changed=0).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildDeb } from '../../../scripts/build-deb.js';
import { LabHost, injectEximHolds25, injectLoopbackOnly, injectPostfixStopped, link, relayAttempt, smtpProbe } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { REPO_ROOT } from '../lab/paths.js';
import { restorableState } from '../scenario.js';
import { DEBIAN_NODEJS, installDebsIn } from '../packaging/debs.js';
import { startSshd } from './sshd.js';
import type { ProbeReport } from '../../../src/probes/client/types.js';

const SITE = join(REPO_ROOT, 'contrib', 'ansible', 'site.yml');
const FLEET_DIR = '/root/fleet';

interface Server {
  name: string;
  inject(h: Host): Promise<unknown>;
  cause: string;
  runbooks: string[];
  host?: LabHost;
  addr?: string;
  /** Where the control node's probe dials it, when not addr (through the router, for mx-stopped). */
  probeAddr?: string;
  broken?: Awaited<ReturnType<typeof restorableState>>;
}

const SERVERS: Server[] = [
  { name: 'mx-stopped', inject: (h) => injectPostfixStopped(h), cause: 'postfix-stopped', runbooks: ['postfix-service'] },
  { name: 'mx-loopback', inject: (h) => injectLoopbackOnly(h, { value: 'loopback-only' }), cause: 'loopback-only', runbooks: ['inet-interfaces'] },
  { name: 'mx-exim', inject: (h) => injectEximHolds25(h), cause: 'port-held-by-mta', runbooks: ['port-conflict'] },
];

interface Stats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
}

interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  status?: string;
  diff?: Array<{ prepared?: string }>;
  top_cause?: { cause: string } | null;
  [k: string]: unknown;
}

interface PlaybookRun {
  code: number;
  stats: Record<string, Stats>;
  /** The PLAY RECAP lines of the human output. */
  recapText: Map<string, Stats>;
  stdout: string;
  /** task name → host → result */
  tasks: Map<string, Record<string, TaskResult>>;
  stderr: string;
}

function ansibleCfg(): string {
  return `[defaults]
inventory = ${FLEET_DIR}/inventory.ini
forks = 3
# The default (human) output, plus a test-only callback that records every result as JSON.
callback_plugins = ${join(REPO_ROOT, 'test', 'e2e', 'ansible', 'callback_plugins')}
callbacks_enabled = fleet_json
retry_files_enabled = false
deprecation_warnings = false
nocolor = true

[ssh_connection]
ssh_args = -o ControlMaster=auto -o ControlPersist=300s -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${FLEET_DIR}/known_hosts
control_path_dir = ${FLEET_DIR}/cp
pipelining = true
`;
}

function inventory(servers: Server[], deb: string): string {
  return [
    '[mail_servers]',
    ...servers.map((s) => `${s.name} ansible_host=${s.addr}${s.probeAddr ? ` postfix_fix_probe_target=${s.probeAddr}` : ''}`),
    '',
    '[mail_servers:vars]',
    'ansible_user=root',
    // We log in as root, and the lab hosts have no sudo: the play's `become` is not needed.
    'ansible_become=false',
    'ansible_python_interpreter=/usr/bin/python3',
    `ansible_ssh_private_key_file=${FLEET_DIR}/id_ed25519`,
    `postfix_fix_deb=${deb}`,
    // Lab hosts have no DNS and no way out: skip the checks that leave the host.
    'postfix_fix_offline=true',
    'postfix_fix_probe_timeout=4',
    '',
  ].join('\n');
}

describe('e2e ansible: three broken mail servers fixed by the postfix_fix role, in parallel', function () {
  this.timeout(240_000);
  let control: LabHost | undefined;
  // Between the control host and mx-stopped's second address: a router, where a provider's
  // firewall (or a cloud security group) sits, out of sight of the mail server's own checks.
  let router: LabHost | undefined;
  let work: string | undefined;
  let debName = '';

  before(async function () {
    this.timeout(300_000);
    work = mkdtempSync(join(tmpdir(), 'postfix-fix-fleet-'));
    const deb = await buildDeb({ outDir: work });
    debName = basename(deb.path);

    const [ctl, ...hosts] = await Promise.all([
      LabHost.create({ name: 'ansible-ctl', postfix: false }),
      ...SERVERS.map((s) => LabHost.create({ name: s.name })),
    ]);
    control = ctl as LabHost;
    SERVERS.forEach((s, i) => (s.host = hosts[i]));
    for (const s of SERVERS) s.addr = (await link(s.host as LabHost, control)).aAddr;
    router = await LabHost.create({ name: 'ansible-rtr', postfix: false });
    const behind = SERVERS[0] as Server;
    const toServer = await link(behind.host as LabHost, router);
    const toControl = await link(router, control);
    await router.execOk(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await control.execOk(['ip', 'route', 'add', `${toServer.aAddr}/32`, 'via', toControl.aAddr]);
    await (behind.host as LabHost).execOk(['ip', 'route', 'add', `${toControl.bAddr}/32`, 'via', toServer.bAddr]);
    behind.probeAddr = toServer.aAddr;
    await Promise.all(SERVERS.map((s) => s.inject(s.host as LabHost)));
    // The role installs the .deb with apt, which must find its Depends (nodejs >= 18.18)
    // installed: the hosts see the machine's dpkg database, and the lab hosts have no network.
    // Where the machine's node is not a dpkg package, Debian's own nodejs goes into each host.
    const hasNode = await (hosts[0] as LabHost).exec(['sh', '-c', 'v=$(dpkg-query -W -f=\'${Version}\' nodejs 2>/dev/null) && dpkg --compare-versions "$v" ge 18.18']);
    if (hasNode.code !== 0) for (const h of hosts) await installDebsIn(h as LabHost, DEBIAN_NODEJS);

    // A throwaway key pair, made on the control host; its public half goes only into the servers.
    // An empty home for root on the control host: no dotfiles of the machine's in its ssh and Ansible.
    await control.execOk(['mount', '-t', 'tmpfs', '-o', 'mode=0700', 'lab-root', '/root']);
    await control.execOk(['install', '-d', '-m', '0700', FLEET_DIR, `${FLEET_DIR}/cp`]);
    await control.execOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'postfix-fix-fleet-test', '-f', `${FLEET_DIR}/id_ed25519`]);
    const pub = await control.readFile(`${FLEET_DIR}/id_ed25519.pub`);
    const sshds = await Promise.all(SERVERS.map((s) => startSshd(s.host as LabHost, s.addr as string, pub)));
    await control.writeFile(`${FLEET_DIR}/known_hosts`, sshds.map((d) => `${d.address} ${d.hostKey}\n`).join(''), 0o644);
    await control.writeFile(`${FLEET_DIR}/ansible.cfg`, ansibleCfg(), 0o644);
    await control.writeFile(`${FLEET_DIR}/inventory.ini`, inventory(SERVERS, `${FLEET_DIR}/${debName}`), 0o644);
    await control.writeFile(`${FLEET_DIR}/${debName}`, readFileSync(deb.path), 0o644);

    for (const s of SERVERS) s.broken = await restorableState(s.host as LabHost);
  });

  after(async () => {
    await Promise.all([control?.destroy(), router?.destroy(), ...SERVERS.map((s) => s.host?.destroy())]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function playbook(...args: string[]): Promise<PlaybookRun> {
    if (!control) throw new Error('no control host');
    const out = `${FLEET_DIR}/result.json`;
    await control.execOk(['rm', '-f', out]);
    const r = await control.exec(['ansible-playbook', '-f', '3', SITE, ...args], {
      env: { ANSIBLE_CONFIG: `${FLEET_DIR}/ansible.cfg`, FLEET_JSON_OUT: out },
      timeoutMs: 200_000,
    });
    let json: { stats: Record<string, Stats>; results: Array<{ task: string; host: string; status: string; result: TaskResult; seconds: number }> };
    try {
      json = JSON.parse(await control.readFile(out)) as typeof json;
    } catch {
      throw new Error(`ansible-playbook ${args.join(' ')}: exit ${r.code}, no results\n${r.stdout}\n${r.stderr}`);
    }
    const tasks = new Map<string, Record<string, TaskResult>>();
    if (process.env['FLEET_TIMINGS']) console.log(json.results.map((x) => `${x.seconds}s ${x.host} ${x.task} ${x.status}`).join('\n'));
    for (const x of json.results) {
      const name = x.task.replace(/^postfix_fix : /, '');
      const hosts = tasks.get(name) ?? {};
      hosts[x.host] = { ...x.result, ...(x.status === 'skipped' ? { skipped: true } : {}), ...(x.status === 'failed' ? { failed: true } : {}) };
      tasks.set(name, hosts);
    }
    // The recap as Ansible prints it: "mx-exim : ok=6 changed=2 unreachable=0 failed=0 skipped=4 ..."
    const recapText = new Map<string, Stats>();
    for (const m of r.stdout.matchAll(/^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/gm)) {
      recapText.set(m[1] as string, { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failures: Number(m[5]), skipped: Number(m[6]) });
    }
    return { code: r.code, stats: json.stats, recapText, tasks, stdout: r.stdout, stderr: r.stderr };
  }

  function result(run: PlaybookRun, task: string, server: Server): TaskResult {
    const hosts = run.tasks.get(task);
    const res = hosts?.[server.name];
    assert.ok(res, `no result for "${task}" on ${server.name}; tasks: ${[...run.tasks.keys()].join(' | ')}`);
    return res;
  }

  function recap(run: PlaybookRun, expected: Partial<Stats>): void {
    for (const s of SERVERS) {
      const got = run.stats[s.name];
      assert.ok(got, `${s.name} in the recap`);
      const printed = run.recapText.get(s.name);
      assert.ok(printed, `${s.name} in the printed PLAY RECAP:\n${run.stdout.slice(-2000)}`);
      for (const k of ['ok', 'changed', 'unreachable', 'failures', 'skipped'] as const) assert.equal(printed[k], got[k], `printed recap ${k} for ${s.name}`);
      const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k as keyof Stats]]));
      assert.deepEqual(picked, expected, `${s.name} recap ${JSON.stringify(got)}\n${JSON.stringify(Object.fromEntries([...run.tasks].map(([t, hs]) => [t, hs[s.name]?.msg ?? (hs[s.name]?.changed ? 'changed' : hs[s.name]?.skipped ? 'skipped' : 'ok')])), null, 1)}`);
    }
  }

  async function assertUntouched(what: string): Promise<void> {
    for (const s of SERVERS) {
      const now = await restorableState(s.host as LabHost);
      for (const k of Object.keys(now) as Array<keyof typeof now>) assert.equal(now[k], s.broken?.[k], `${what} changed ${k} on ${s.name}`);
      const peer = await smtpProbe(control as LabHost, s.addr as string, 25, 1500);
      assert.ok(!(peer.kind === 'banner' && /Postfix/.test(peer.banner ?? '')), `${s.name}: the peer got a Postfix banner after ${what}`);
    }
  }

  it('--check --diff on fresh hosts: would install postfix-fix, changes nothing', async () => {
    const run = await playbook('--check', '--diff');
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    // assert, dpkg-query, mkdir (changed), copy (changed), set_fact, "check mode stops here";
    // skipped: apt, diagnose and its message, fix, and the probe and its verdict
    recap(run, { ok: 6, changed: 2, failures: 0, unreachable: 0, skipped: 6 });
    for (const s of SERVERS) {
      assert.ok(result(run, 'Install the package', s).skipped);
      assert.ok(result(run, 'Fix Postfix', s).skipped);
      assert.notEqual((await (s.host as LabHost).exec(['test', '-e', '/usr/bin/postfix-fix'])).code, 0, `${s.name}: nothing installed`);
      assert.notEqual((await (s.host as LabHost).exec(['test', '-e', '/var/cache/postfix-fix-deb'])).code, 0, `${s.name}: nothing copied`);
    }
    await assertUntouched('--check on fresh hosts');
  });

  it('--tags postfix_fix_install: installs the .deb with apt on all three, Postfix untouched', async () => {
    const run = await playbook('--tags', 'postfix_fix_install');
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    // assert, dpkg-query, mkdir, copy, apt, set_fact
    recap(run, { ok: 6, changed: 3, failures: 0, unreachable: 0, skipped: 0 });
    for (const s of SERVERS) {
      const v = await (s.host as LabHost).exec(['postfix-fix', '--version']);
      assert.equal(v.code, 0, v.stderr);
      const status = await (s.host as LabHost).execOk(['dpkg-query', '-W', '-f', '${Status}', 'postfix-fix']);
      assert.equal(status.stdout, 'install ok installed');
    }
    await assertUntouched('installing postfix-fix');
  });

  it('--check --diff: the module plans a change on all three, with diffs, and changes nothing', async () => {
    const run = await playbook('--check', '--diff');
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    // install tasks ok (apt skipped: this version is installed), the "check mode stops here" note
    // skipped, diagnose + its message, fix (changed); the probe and its verdict skipped (nothing fixed)
    recap(run, { ok: 8, changed: 1, failures: 0, unreachable: 0, skipped: 4 });
    for (const s of SERVERS) {
      const diagnosis = result(run, 'Diagnose Postfix', s);
      assert.equal(diagnosis.top_cause?.cause, s.cause, `${s.name}: ${diagnosis.msg}`);
      assert.equal(diagnosis.changed, false);
      const fix = result(run, 'Fix Postfix', s);
      assert.equal(fix.changed, true, `${s.name}: ${fix.msg}`);
      assert.equal(fix.status, 'would-change');
      for (const rb of s.runbooks) assert.match(fix.msg ?? '', new RegExp(`would fix: .*${rb}`));
      assert.ok((fix.diff ?? []).length > 0 && (fix.diff ?? []).every((d) => typeof d.prepared === 'string'), JSON.stringify(fix.diff));
      const noJournal = await (s.host as LabHost).exec(['sh', '-c', 'ls -A /var/lib/postfix-fix/runs 2>/dev/null']);
      assert.equal(noJournal.stdout, '', `${s.name}: check mode journaled a run`);
    }
    const loopbackDiff = (result(run, 'Fix Postfix', SERVERS[1] as Server).diff ?? []).map((d) => d.prepared).join('\n');
    assert.match(loopbackDiff, /^-inet_interfaces = loopback-only$/m);
    assert.match(loopbackDiff, /^\+inet_interfaces = all$/m);
    await assertUntouched('--check');
  });

  it('the real run fixes all three, proven from the control node by postfix-fix probe; the peer gets the Postfix banner from each', async () => {
    const run = await playbook('--diff');
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    recap(run, { ok: 10, changed: 1, failures: 0, unreachable: 0, skipped: 2 });
    for (const s of SERVERS) {
      const fix = result(run, 'Fix Postfix', s);
      assert.equal(fix.status, 'changed', `${s.name}: ${fix.msg}`);
      assert.match(fix.msg ?? '', /^fixed: .*; verified$/);
      assert.ok((fix.diff ?? []).length > 0);
      const probed = result(run, 'Dial the mail server from the control node (postfix-fix probe)', s);
      assert.equal(probed['rc'], 0, `${s.name}: ${String(probed['stdout'])}${String(probed['stderr'])}`);
      const report = JSON.parse(String(probed['stdout'])) as ProbeReport;
      assert.deepEqual(report.results.map((r) => [r.address, r.port, r.outcome]), [[s.probeAddr ?? s.addr, 25, 'banner']]);
      assert.match(report.results[0]?.banner ?? '', /^220 .*Postfix/);
      assert.match(result(run, 'Every port greets from the control node', s).msg ?? '', /^from the control node: every port greets/);
      const seen = await smtpProbe(control as LabHost, s.addr as string, 25, 3000);
      assert.equal(seen.kind, 'banner', `${s.name}: ${JSON.stringify(seen)}`);
      assert.match(seen.banner ?? '', /^220 .*Postfix/);
    }
    const relay = await relayAttempt(control as LabHost, (SERVERS[1] as Server).addr as string, 25, { from: 'spammer@example.org', to: 'victim@example.net' });
    assert.equal(relay.accepted, false, `mx-loopback now relays for strangers: ${relay.reply}`);
  });

  it('a second run changes nothing (changed=0)', async () => {
    const run = await playbook();
    assert.equal(run.code, 0, `${run.stdout.slice(-6000)}\n${run.stderr}`);
    recap(run, { ok: 10, changed: 0, failures: 0, unreachable: 0, skipped: 2 });
    for (const s of SERVERS) {
      const fix = result(run, 'Fix Postfix', s);
      assert.equal(fix.status, 'nothing-to-do', `${s.name}: ${fix.msg}`);
      assert.equal((await smtpProbe(control as LabHost, s.addr as string, 25, 3000)).kind, 'banner');
    }
  });

  it('a firewall in front of a host drops port 25 (a provider\'s, a security group): the host has nothing to fix, the probe from the control node fails it and says what it sees', async () => {
    await (router as LabHost).execOk(['iptables-nft', '-A', 'FORWARD', '-p', 'tcp', '--dport', '25', '-j', 'DROP']);
    const run = await playbook();
    assert.equal(run.code, 2, 'a host failed');
    const behind = SERVERS[0] as Server;
    for (const s of SERVERS) {
      assert.equal(result(run, 'Fix Postfix', s).status, 'nothing-to-do', `${s.name}: healthy by its own checks`);
      const stats = run.stats[s.name];
      assert.equal(stats?.failures, s === behind ? 1 : 0, `${s.name}: ${JSON.stringify(stats)}`);
    }
    const verdict = result(run, 'Every port greets from the control node', behind);
    assert.equal(verdict.failed, true);
    assert.match(verdict.msg ?? '', new RegExp(`^from the control node: 0 of 1 greet; ${(behind.probeAddr as string).replace(/\./g, '\\.')}:25 no answer \\(dropped\\)\\. no answer to the connection attempt`));
    const probed = JSON.parse(String(result(run, 'Dial the mail server from the control node (postfix-fix probe)', behind)['stdout'])) as ProbeReport;
    assert.equal(probed.results[0]?.outcome, 'timeout');
    assert.ok(probed.results[0]?.causes.some((c) => /security group/.test(c.text)));
  });
});
