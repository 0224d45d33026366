// The two checks dependency-services proves itself with: `endpoint` (each service smtpd depends
// on answers in its own protocol, waiting a little for one just started) against tiny servers on
// unix sockets that answer as a milter or as Dovecot's auth server does; and `mail` (postmaster
// accepted up to RCPT) against a scripted dialer.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { DialOptions, DialResult } from '../../../src/core/dial.js';
import type { Dependency, Facts } from '../../../src/facts/types.js';
import { endpointCheck } from '../../../src/modules/endpoint/module.js';
import { mailCheck } from '../../../src/modules/mail/module.js';
import type { ModuleContext } from '../../../src/modules/types.js';
import { baseFacts, scratchDir, testContext } from '../helpers/context.js';

type Kind = 'milter' | 'dovecot' | 'silent';

/** A unix-socket server answering as a milter (an 'O' packet), as Dovecot's auth greeting, or not at all. */
const conns = new Set<import('node:net').Socket>();

function listen(path: string, kind: Kind): Promise<Server> {
  const server = createServer((c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
    c.on('error', () => undefined);
    if (kind === 'dovecot') c.write('VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t1\nCUID\t1\nCOOKIE\tab\nDONE\n');
    if (kind === 'milter')
      c.on('data', (d: Buffer) => {
        if (d.length >= 5 && d[4] === 0x4f) c.write(Buffer.from([0, 0, 0, 13, 0x4f, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]));
      });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

function dep(kind: Dependency['kind'], path: string): Dependency {
  return { kind, spec: `unix:${path}`, usedBy: [kind === 'milter' ? 'smtpd_milters' : 'smtpd_sasl_path'], endpoint: { transport: 'unix', path }, chrooted: false, answers: false, detail: '', owner: null, candidates: [], misplaced: null };
}

describe('modules: endpoint and mail checks', function () {
  this.timeout(20_000);
  const s = scratchDir('pf-ep-');
  const servers: Server[] = [];
  after(async () => {
    for (const c of conns) c.destroy();
    await Promise.all(servers.map((x) => new Promise((r) => x.close(r))));
    s.cleanup();
  });
  const ctxWith = (deps: Dependency[]): ModuleContext => {
    const facts = baseFacts();
    facts.dependencies = { endpoints: deps, downUnits: [] };
    return testContext(facts);
  };

  it('every dependency answers in its own protocol: ok, with what each said', async () => {
    const milter = join(s.dir, 'milter.sock');
    const auth = join(s.dir, 'auth.sock');
    servers.push(await listen(milter, 'milter'), await listen(auth, 'dovecot'));
    const r = await endpointCheck.check(ctxWith([dep('milter', milter), dep('sasl', auth)]), { dependencies: 'all' });
    assert.equal(r.ok, true, r.evidence.join('\n'));
    assert.match(r.evidence[0] ?? '', /^milter unix:.*milter\.sock \(smtpd_milters\): .* answers a milter option negotiation/);
    assert.match(r.evidence[1] ?? '', /^SASL backend .* greets as a Dovecot auth server/);
  });

  it('a socket that accepts but does not speak the protocol fails; one that never opens fails after wait_ms', async () => {
    const mute = join(s.dir, 'mute.sock');
    servers.push(await listen(mute, 'silent'));
    const started = Date.now();
    const r = await endpointCheck.check(ctxWith([dep('milter', mute), dep('milter', join(s.dir, 'never.sock'))]), { dependencies: 'milter', wait_ms: 600 });
    assert.equal(r.ok, false);
    assert.match(r.evidence[0] ?? '', /does not answer: connected, but no answer in its protocol in time/);
    assert.match(r.evidence[1] ?? '', /does not answer: ENOENT/);
    assert.ok(Date.now() - started < 5_000);
  });

  it('a service started a moment later is waited for (bounded)', async () => {
    const late = join(s.dir, 'late.sock');
    setTimeout(() => void listen(late, 'milter').then((x) => servers.push(x)), 400);
    const r = await endpointCheck.check(ctxWith([dep('milter', late)]), { dependencies: 'all', wait_ms: 5_000 });
    assert.equal(r.ok, true, r.evidence.join('\n'));
  });

  it('only the kind asked for; none named is said, not faked', async () => {
    const r = await endpointCheck.check(ctxWith([dep('milter', join(s.dir, 'never.sock'))]), { dependencies: 'sasl', wait_ms: 0 });
    assert.deepEqual(r, { ok: true, evidence: ['the configuration names no SASL backend: nothing depends on one'] });
    assert.throws(() => endpointCheck.describe({}), /endpoint: args\.(dependencies|endpoint) is missing/);
  });

  describe('mail', () => {
    const replies = (rcpt: number): DialResult => ({ outcome: 'banner', host: '', port: 25, code: 220, banner: '220 mx ESMTP Postfix', ms: 5, dialogue: [{ command: 'EHLO', code: 250, text: '250 mx' }, { command: 'MAIL', code: 250, text: '250 2.1.0 Ok' }, { command: 'RCPT', code: rcpt, text: `${rcpt} x` }] });
    const factsOwn = (): Facts => {
      const f = baseFacts();
      f.postfix.params = { mydestination: '$myhostname, mx.example.test, localhost', myhostname: 'mx.example.test' };
      f.network.interfaces.push({ name: 'eth0', up: true, loopback: false, addresses: [{ family: 6, address: 'fe80::1', prefixLength: 64 }, { family: 4, address: '192.0.2.25', prefixLength: 24 }] });
      return f;
    };
    const withDialer = (facts: Facts, result: DialResult, seen: Array<[string, DialOptions]>): ModuleContext => ({
      ...testContext(facts),
      dialer: async (host, _port, o) => {
        seen.push([host, o]);
        return { ...result, host };
      },
    });

    it("dials this host's own address (not link-local, not loopback) with MAIL FROM:<> to postmaster of a local domain", async () => {
      const seen: Array<[string, DialOptions]> = [];
      const r = await mailCheck.check(withDialer(factsOwn(), replies(250), seen), {});
      assert.equal(r.ok, true, r.evidence.join('\n'));
      assert.equal(seen[0]?.[0], '192.0.2.25');
      assert.deepEqual(seen[0]?.[1].mail, { from: '', to: 'postmaster@mx.example.test' });
      assert.equal(r.evidence[0], '192.0.2.25:25: EHLO postfix-fix.invalid, MAIL FROM:<>, RCPT TO:<postmaster@mx.example.test> (then RSET; nothing is sent)');
    });

    it('a refusal at RCPT (or no dialogue at all) fails, with the replies', async () => {
      const r = await mailCheck.check(withDialer(factsOwn(), replies(451), []), {});
      assert.equal(r.ok, false);
      assert.ok(r.evidence.includes('RCPT → 451 x'), r.evidence.join('\n'));
      const none = await mailCheck.check(withDialer(factsOwn(), { outcome: 'refused', host: '', port: 25, ms: 1 }, []), {});
      assert.equal(none.ok, false);
    });

    it('wait_ms: silence (a throttled service) is tried again until it greets; a refusal in words is not', async () => {
      const seq: DialResult[] = [{ outcome: 'banner-timeout', host: '', port: 25, ms: 5 }, { outcome: 'banner-timeout', host: '', port: 25, ms: 5 }, replies(250)];
      let calls = 0;
      const ctx: ModuleContext = { ...testContext(factsOwn()), dialer: async () => seq[Math.min(calls++, seq.length - 1)] as DialResult };
      const r = await mailCheck.check(ctx, { wait_ms: 10_000 });
      assert.equal(r.ok, true, r.evidence.join('\n'));
      assert.equal(calls, 3);
      assert.ok(r.evidence.includes('greeted after 3 tries (the service was throttled or starting)'));
      calls = 0;
      const refused: ModuleContext = { ...testContext(factsOwn()), dialer: async () => (calls++, replies(451)) };
      assert.equal((await mailCheck.check(refused, { wait_ms: 10_000 })).ok, false);
      assert.equal(calls, 1);
    });

    it('a host that receives for no domain: not tried, and said so', async () => {
      const f = baseFacts();
      f.postfix.params = { mydestination: '' };
      const r = await mailCheck.check(withDialer(f, replies(250), []), {});
      assert.deepEqual(r, { ok: true, evidence: ['not tried: this host receives mail for no domain (mydestination and the virtual domains name none)'] });
    });
  });
});
