// The standard end-to-end proof of one fault, against the real CLI inside a lab host, judged by
// what a peer host sees:
//   broken → diagnose names the cause → plan changes nothing → the peer is refused
//   → run --yes fixes it → the peer gets the Postfix banner, mail to postmaster is accepted up to
//     RCPT (and relaying is refused)
//   → a second run changes nothing → rollback --last restores the broken state byte for byte.

import assert from 'node:assert/strict';
import { LabHost, NspawnHost, link, mailDialogue, postconfGet, presentAs, relayAttempt, runCli, smtpProbe, snapshot } from './lab/index.js';
import type { Distro, Host, HostSnapshot, LinkInfo } from './lab/index.js';

export interface Scenario {
  /** Shown in the test names. */
  title: string;
  /** A namespace host by default; `nspawn` boots real systemd. */
  kind?: 'namespace' | 'nspawn';
  /** Present the host as this distro first (os-release, log path, OpenRC stand-in for Alpine). */
  distro?: Distro;
  /** Break the host the way production breaks (`ctx`: for a fault that names the peer). */
  inject(host: Host, ctx: ScenarioContext): Promise<unknown>;
  /** The cause diagnose must name first. */
  cause: string;
  /** Runbooks the plan must contain with changes. */
  runbooks: string[];
  /** What the peer sees while broken (default: anything but a Postfix banner). */
  brokenPeer?: Array<'refused' | 'unreachable' | 'timeout' | 'banner-timeout' | 'banner' | 'error'>;
  /** While broken, the peer gets a normal banner and mail to postmaster is refused at RCPT (a table never built). */
  brokenMail?: boolean;
  /**
   * The fix restarts Postfix to make it read what main.cf already says (the reload trap): a
   * rollback restores every file, says the restart cannot be undone, and the listeners stay.
   */
  restartNotUndone?: boolean;
  /** Extra `run` arguments (default: --yes --max-risk high). */
  runArgs?: string[];
  /** --var flags for both plan and run. */
  vars?: string[];
  /** Exit code of the fixing run (default 0; 4 when a problem for a human rightly remains). */
  runExit?: number;
  /** The relay test: after the fix, a stranger must not be able to relay. */
  relayRefused?: boolean;
  /** More checks after the fix, from the peer. */
  afterFix?(ctx: ScenarioContext): Promise<void>;
  /** More of what the peer sees while broken (before the fix and after rollback): a fault past the banner. */
  peerBroken?(ctx: ScenarioContext): Promise<void>;
  /** Checks on the plan (e.g. which service manager it says it uses). */
  onPlan?(plan: unknown): void;
  /** Files other than main.cf/master.cf/firewall dumps the rollback must restore. */
  extraState?(host: Host): Promise<string>;
}

export interface ScenarioContext {
  host: Host;
  peer: Host;
  net: LinkInfo;
}

/** What rollback must restore byte for byte; listeners by address, port and program (pids change on restart). */
export async function restorableState(host: Host, extra?: (h: Host) => Promise<string>): Promise<Omit<HostSnapshot, 'listeners'> & { listeners: string; extra: string }> {
  const s = await snapshot(host);
  const listeners = s.listeners
    .split('\n')
    // Postfix's smtpd children, Exim's per-connection children inherit the listening socket while
    // they serve a connection (the probes' own, say); the binding program is what matters.
    .map((l) => l.replace(/users:\((.*)\)\s*$/, (_m, users: string) => `users:${[...new Set([...users.matchAll(/\("((?:[^"\\]|\\.)*)"/g)].map((u) => u[1]).filter((n) => n !== 'smtpd'))].sort().join(',')}`).replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .sort()
    .join('\n');
  return { ...s, listeners, extra: extra ? await extra(host) : '' };
}

export function describeScenario(s: Scenario): void {
  describe(`e2e: ${s.title}`, function () {
    this.timeout(180_000);
    let ctx: ScenarioContext;
    let broken: Awaited<ReturnType<typeof restorableState>>;

    before(async function () {
      if (s.kind === 'nspawn') this.timeout(300_000);
      const name = s.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 20).toLowerCase().replace(/^-+|-+$/g, '');
      const host = s.kind === 'nspawn' ? await NspawnHost.create({ name }) : await LabHost.create({ name });
      const peer = await LabHost.create({ name: `${name}-peer`, postfix: false });
      const net = await link(host, peer);
      ctx = { host, peer, net };
      if (s.distro) await presentAs(host, s.distro);
      await s.inject(host, ctx);
      broken = await restorableState(host, s.extraState);
    });

    after(async () => {
      await ctx?.peer.destroy();
      await ctx?.host.destroy();
    });

    /** Mail from the peer to postmaster at this host's own name: EHLO, MAIL, RCPT, never DATA. */
    const mailToPostmaster = async () => mailDialogue(ctx.peer, ctx.net.aAddr, { from: 'someone@example.org', to: `postmaster@${await postconfGet(ctx.host, 'myhostname')}` });

    const peerSeesBroken = async (): Promise<void> => {
      const seen = await smtpProbe(ctx.peer, ctx.net.aAddr, 25, 2500);
      if (s.brokenPeer) assert.ok(s.brokenPeer.includes(seen.kind), `peer saw ${seen.kind} ${seen.banner ?? ''}`);
      else assert.ok(!(seen.kind === 'banner' && /Postfix/.test(seen.banner ?? '')), `peer saw ${seen.kind} ${seen.banner ?? ''}`);
      await s.peerBroken?.(ctx);
      if (s.brokenMail) {
        const mail = await mailToPostmaster();
        assert.equal(mail.refusedAt, 'rcpt', JSON.stringify(mail));
      }
    };

    it(`the peer sees the fault: ${(s.brokenPeer ?? ['no Postfix banner']).join(' or ')}${s.brokenMail ? ', mail refused at RCPT' : ''}`, peerSeesBroken);

    it(`diagnose names the cause: ${s.cause}`, async () => {
      const r = await runCli(ctx.host, ['diagnose', '--json', '--offline']);
      const report = r.json as { topCause: { cause: string } | null; findings: Array<{ cause?: string; status: string }> };
      assert.ok(report, r.stderr);
      assert.equal(report.topCause?.cause, s.cause, JSON.stringify(report.findings.filter((f) => f.status !== 'ok'), null, 1));
      assert.ok([4, 7].includes(r.code), `exit ${r.code}`);
    });

    it('plan shows the fix and changes nothing on the host', async () => {
      const r = await runCli(ctx.host, ['plan', '--json', '--offline', ...(s.vars ?? []).flatMap((v) => ['--var', v])]);
      assert.equal(r.code, 0, r.stderr);
      const plan = r.json as { runbooks: Array<{ id: string; status: string }>; summary: { changes: number } };
      for (const id of s.runbooks) assert.ok(plan.runbooks.some((rb) => rb.id === id && rb.status === 'ready'), `${id} planned: ${JSON.stringify(plan.runbooks.map((x) => [x.id, x.status]))}`);
      assert.ok(plan.summary.changes > 0);
      s.onPlan?.(r.json);
      const after = await restorableState(ctx.host, s.extraState);
      for (const k of Object.keys(broken) as Array<keyof typeof broken>) assert.equal(after[k], broken[k], `plan changed ${k}`);
    });

    it('run --yes fixes it: the peer now gets the Postfix banner, and mail to postmaster is accepted up to RCPT', async () => {
      const r = await runCli(ctx.host, ['run', ...(s.runArgs ?? ['--yes', '--max-risk', 'high']), ...(s.vars ?? []).flatMap((v) => ['--var', v]), '--json', '--offline'], { timeoutMs: 150_000 });
      const report = r.json as { status: string; steps: Array<{ status: string; name: string }> } | undefined;
      assert.equal(r.code, s.runExit ?? 0, `${r.stderr}\n${r.stdout}`);
      assert.equal(report?.status, 'changed');
      const seen = await smtpProbe(ctx.peer, ctx.net.aAddr, 25, 3000);
      assert.equal(seen.kind, 'banner', JSON.stringify(seen));
      assert.match(seen.banner ?? '', /^220 .*Postfix/);
      const mail = await mailToPostmaster();
      assert.equal(mail.refusedAt, undefined, JSON.stringify(mail));
      assert.equal(mail.replies.rcpt?.code, 250, JSON.stringify(mail));
      if (s.relayRefused) {
        const relay = await relayAttempt(ctx.peer, ctx.net.aAddr, 25, { from: 'spammer@example.org', to: 'victim@example.net' });
        assert.equal(relay.accepted, false, `relay was accepted: ${relay.reply}`);
      }
      await s.afterFix?.(ctx);
    });

    it('a second run changes nothing and says so', async () => {
      const before = await restorableState(ctx.host, s.extraState);
      const r = await runCli(ctx.host, ['run', '--yes', '--max-risk', 'high', '--json', '--offline', '--detailed-exitcodes']);
      const report = r.json as { status: string } | undefined;
      assert.equal(report?.status, s.runExit === 4 ? 'needs-human' : 'nothing-to-do', r.stdout);
      assert.equal(r.code, s.runExit ?? 0);
      assert.deepEqual(await restorableState(ctx.host, s.extraState), before);
    });

    it(s.restartNotUndone ? 'rollback --last restores every file byte for byte and says the restart cannot be undone' : 'rollback --last restores the broken state byte for byte', async () => {
      const r = await runCli(ctx.host, ['rollback', '--last'], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
      const restored = await restorableState(ctx.host, s.extraState);
      for (const k of Object.keys(broken) as Array<keyof typeof broken>) {
        // A restarted master cannot be put back on the sockets of a main.cf no longer on disk.
        if (s.restartNotUndone && k === 'listeners') continue;
        assert.equal(restored[k], broken[k], `rollback did not restore ${k}`);
      }
      if (s.restartNotUndone) {
        assert.match(r.stdout, /cannot be undone: a restart changes no file/);
        assert.equal((await smtpProbe(ctx.peer, ctx.net.aAddr, 25, 3000)).kind, 'banner');
      } else await peerSeesBroken();
    });
  });
}

export interface HumanScenario {
  title: string;
  kind?: 'namespace' | 'nspawn';
  inject(host: Host): Promise<unknown>;
  /** The cause diagnose must name first. */
  cause: string;
  /** Text the run report's needsHuman must contain. */
  reason: RegExp;
  vars?: string[];
}

/** A fault the tool must not fix on its own: it says why, exits 4, and changes nothing. */
export function describeNeedsHuman(s: HumanScenario): void {
  describe(`e2e (needs a human): ${s.title}`, function () {
    this.timeout(180_000);
    let host: Host;
    before(async function () {
      if (s.kind === 'nspawn') this.timeout(300_000);
      const name = s.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 20).toLowerCase().replace(/^-+|-+$/g, '');
      host = s.kind === 'nspawn' ? await NspawnHost.create({ name }) : await LabHost.create({ name });
      await s.inject(host);
    });
    after(async () => host?.destroy());

    it(`diagnose names ${s.cause} and exits 4 or 7`, async () => {
      const r = await runCli(host, ['diagnose', '--json', '--offline']);
      const report = r.json as { topCause: { cause: string } | null };
      assert.equal(report?.topCause?.cause, s.cause, r.stdout);
      assert.ok([4, 7].includes(r.code), `exit ${r.code}`);
    });

    it('run --yes changes nothing, exits 4 and says why', async () => {
      const before = await restorableState(host);
      const r = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--json', '--offline', ...(s.vars ?? []).flatMap((v) => ['--var', v])]);
      const report = r.json as { status: string; needsHuman: string[]; steps: Array<{ status: string }> } | undefined;
      assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
      assert.equal(report?.status, 'needs-human');
      assert.ok(report?.needsHuman.some((n) => s.reason.test(n)), JSON.stringify(report?.needsHuman));
      assert.ok(!report?.steps.some((x) => x.status === 'changed'));
      assert.deepEqual(await restorableState(host), before);
    });
  });
}
