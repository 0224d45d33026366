// Crash at every point. For each fault, a first run on a throwaway host learns the journal's
// sequence of records; then, on a fresh host per kill point, the real CLI is SIGKILLed
//   - at every step boundary (right after run-start, step-intent, step-applied, step-verified
//     are durable: the POSTFIX_FIX_FAILPOINT hook), and
//   - in the middle of every state-changing step (a watcher kills it shortly after the step's
//     intent is journaled, while the module is applying it).
// After each kill, `rollback --last` must bring the host back to its pre-run state byte for byte
// (main.cf, master.cf, firewall dumps, listeners, files the fault touched) — and, for the
// boundary kills, on a second host, the next `run --yes` from the crashed state must instead
// reach the fully fixed state. Never anything in between. The tally is printed ("crash points: N tried, N recovered") and kept for the README.
// A converging run is covered too: two rounds (the second fixes what the first revealed), killed
// at each boundary of both rounds and between them (right after the second round is journaled).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  LabHost,
  addOwnAddress,
  injectEximHolds25,
  injectForeignMasterLock,
  injectIptablesBlock25,
  injectLoopbackOnly,
  injectMainCfPermissions,
  injectPostfixStopped,
  injectSelinuxDeniesPort,
  injectUfwDenyIncoming,
  pollUntil,
  runCli,
  selinuxStandinState,
} from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { restorableState } from '../scenario.js';
import { SITE_RUNBOOKS, injectStoppedInMaintenance } from '../converge/hidden-cause.js';

interface CrashCase {
  name: string;
  inject(h: Host): Promise<unknown>;
  vars?: string[];
  /** More arguments for every run (e.g. --runbooks DIR). */
  args?: string[];
  /**
   * Only the kill points from this round on (the round's journal record, its steps): the rounds
   * before it are runs another case already kills at every point.
   */
  fromRound?: number;
  extra?(h: Host): Promise<string>;
}

const modes = async (h: Host): Promise<string> => (await h.execOk(['stat', '-c', '%n %U:%G %a', '/etc/postfix/main.cf', '/etc/postfix/master.cf'])).stdout;

const CASES: CrashCase[] = [
  { name: 'postfix stopped', inject: injectPostfixStopped },
  {
    name: 'loopback-only, mynetworks 0/0',
    // An address besides loopback, so the runbook's "greets on this host's own addresses"
    // verification has something to dial.
    inject: async (h) => {
      await addOwnAddress(h);
      return injectLoopbackOnly(h, { unsafeRelay: 'mynetworks-any' });
    },
    vars: ['narrow_mynetworks=true'],
  },
  { name: 'exim holds 25', inject: injectEximHolds25 },
  { name: 'foreign master.pid lock', inject: injectForeignMasterLock, extra: async (h) => (await h.exec(['cat', '/var/spool/postfix/pid/master.pid'])).stdout },
  { name: 'iptables REJECT', inject: (h) => injectIptablesBlock25(h, { action: 'reject' }) },
  { name: 'ufw deny', inject: injectUfwDenyIncoming, extra: async (h) => (await h.execOk(['sh', '-c', 'cat /etc/ufw/user.rules /etc/ufw/user6.rules'])).stdout },
  { name: 'main.cf permissions', inject: (h) => injectMainCfPermissions(h, 'insecure'), extra: modes },
  { name: 'SELinux (stand-in)', inject: (h) => injectSelinuxDeniesPort(h), extra: async (h) => JSON.stringify(await selinuxStandinState(h).then((s) => ({ mode: s.mode, ports: s.ports }))) },
  // Round 1 is the 'postfix stopped' case above; here: between the rounds, and round 2.
  { name: 'two rounds (stopped, then a 554 greeting: a site runbook)', inject: (h) => injectStoppedInMaintenance(h, true), args: ['--runbooks', SITE_RUNBOOKS], fromRound: 2 },
];

type KillPoint = { kind: 'boundary'; failpoint: string } | { kind: 'mid-step'; seq: number; delayMs: number };

const describePoint = (p: KillPoint): string => (p.kind === 'boundary' ? `after ${p.failpoint}` : `during step ${p.seq} (+${p.delayMs} ms)`);

let tried = 0;
let recovered = 0;

async function runArgs(c: CrashCase): Promise<string[]> {
  return ['run', '--yes', '--max-risk', 'high', '--offline', '--json', ...(c.vars ?? []).flatMap((v) => ['--var', v]), ...(c.args ?? [])];
}

async function learnPoints(c: CrashCase): Promise<KillPoint[]> {
  const h = await LabHost.create({ name: 'crash-learn' });
  try {
    await c.inject(h);
    const r = await runCli(h, await runArgs(c), { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `the uninterrupted run must succeed: ${r.stderr}`);
    const report = r.json as { runId: string; steps: Array<{ seq: number; status: string }>; rounds: Array<{ round: number; steps: number[] }> };
    const from = c.fromRound ?? 1;
    assert.ok(report.rounds.length >= from, `the uninterrupted run must take ${from} rounds: ${JSON.stringify(report.rounds)}`);
    const inScope = new Set(report.rounds.filter((x) => x.round >= from).flatMap((x) => x.steps));
    const changed = report.steps.filter((s) => s.status === 'changed' && inScope.has(s.seq)).map((s) => s.seq);
    const points: KillPoint[] = from === 1 ? [{ kind: 'boundary', failpoint: 'run-start' }] : [];
    // Between rounds: round 1 done and verified, round 2 journaled, nothing of it applied yet.
    if (report.rounds.length > 1) points.push({ kind: 'boundary', failpoint: 'round-start' });
    for (const seq of changed) {
      for (const t of ['step-intent', 'step-applied', 'step-verified']) points.push({ kind: 'boundary', failpoint: `${t}:${seq}` });
      points.push({ kind: 'mid-step', seq, delayMs: 150 });
    }
    return points;
  } finally {
    await h.destroy();
  }
}

async function killAt(h: Host, c: CrashCase, p: KillPoint): Promise<void> {
  const args = await runArgs(c);
  if (p.kind === 'boundary') {
    const r = await runCli(h, args, { timeoutMs: 120_000, env: { POSTFIX_FIX_FAILPOINT: p.failpoint } });
    assert.equal(r.code, 137, `expected SIGKILL at ${p.failpoint}, exit ${r.code}: ${r.stderr.slice(-500)}`);
    return;
  }
  const running = runCli(h, args, { timeoutMs: 120_000 });
  await pollUntil(async () => {
    const j = await h.exec(['sh', '-c', 'cat /var/lib/postfix-fix/runs/*/journal.jsonl 2>/dev/null']);
    return new RegExp(`"type":"step-intent","seq":${p.seq}\\b`).test(j.stdout) ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 20, what: `step ${p.seq} to start` });
  await new Promise((r) => setTimeout(r, p.delayMs));
  await h.exec(['pkill', '-KILL', '-f', 'postfix-fix.cjs run']);
  await running;
}

/**
 * The other way back: no rollback — the next `run` starts from the crashed state (a stale lock,
 * a half-applied run) and must reach the fully fixed state; a further run then has nothing to do.
 */
async function nextRunFinishes(c: CrashCase, p: KillPoint, failures: string[], n: number): Promise<boolean> {
  const h = await LabHost.create({ name: `crash-next-${n}` });
  try {
    await c.inject(h);
    await killAt(h, c, p);
    const again = await runCli(h, await runArgs(c), { timeoutMs: 120_000 });
    const second = await runCli(h, [...(await runArgs(c)), '--detailed-exitcodes'], { timeoutMs: 120_000 });
    const status = (second.json as { status?: string } | undefined)?.status;
    if (again.code !== 0 || second.code !== 0 || status !== 'nothing-to-do') {
      failures.push(`${describePoint(p)}: the next run from the crashed state did not finish the fix (exit ${again.code}, then ${second.code} ${status}): ${again.stderr.slice(-600)}`);
      return false;
    }
    return true;
  } finally {
    await h.destroy();
  }
}

describe('reliability: crash at every point, then recover', function () {
  this.timeout(1_800_000);

  after(() => {
    const line = `crash points: ${tried} tried, ${recovered} recovered`;
    process.stdout.write(`\n${line}\n`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/crash-points.json', JSON.stringify({ tried, recovered, at: new Date().toISOString() }) + '\n');
  });

  for (const c of CASES) {
    it(`${c.name}: every kill point is recovered by rollback --last (and boundaries by a fresh run)`, async () => {
      const points = await learnPoints(c);
      const failures: string[] = [];
      // Two hosts at a time: CI has 2 cores.
      for (let i = 0; i < points.length; i += 2) {
        await Promise.all(
          points.slice(i, i + 2).map(async (p, j) => {
            tried++;
            const h = await LabHost.create({ name: `crash-${i + j}` });
            try {
              await c.inject(h);
              const before = await restorableState(h, c.extra);
              await killAt(h, c, p);
              const rb = await runCli(h, ['rollback', '--last'], { timeoutMs: 120_000 });
              const after = await restorableState(h, c.extra);
              const diff = (Object.keys(before) as Array<keyof typeof before>).filter((k) => before[k] !== after[k]);
              if (rb.code !== 0 || diff.length > 0) {
                failures.push(`${describePoint(p)}: rollback exit ${rb.code}; differs: ${diff.join(', ')}\n${rb.stdout}${rb.stderr}`);
                return;
              }
              if (p.kind === 'boundary' && !(await nextRunFinishes(c, p, failures, i + j))) return;
              recovered++;
            } finally {
              await h.destroy();
            }
          }),
        );
      }
      for (const f of failures) process.stdout.write(`    ✗ ${c.name}: ${f.split('\n').slice(0, 12).join('\n      ')}\n`);
      assert.equal(failures.length, 0, `${failures.length} of ${points.length} kill points not recovered (listed above)`);
    });
  }
});
