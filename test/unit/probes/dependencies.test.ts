// The dependencies probe: each endpoint that does not answer is named with its parameter, where
// smtpd connects, and what that does to mail under this milter_default_action; a unit that can
// serve it leaves it to dependency-services, none (or a socket outside the chroot) to a person.
import assert from 'node:assert/strict';
import type { Dependency } from '../../../src/facts/types.js';
import { dependenciesProbe } from '../../../src/probes/dependencies.js';
import { factsWith } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const milter = (over: Partial<Dependency> = {}): Dependency => ({ kind: 'milter', spec: 'inet:localhost:8891', usedBy: ['smtpd_milters'], endpoint: { transport: 'inet', host: '127.0.0.1', port: 8891 }, chrooted: true, answers: false, detail: 'ECONNREFUSED', owner: 'opendkim', candidates: ['opendkim.service'], misplaced: null, ...over });

async function run(deps: Dependency[], milterAction?: string) {
  const facts = factsWith((f) => {
    f.dependencies = { endpoints: deps, downUnits: [] };
    if (milterAction) f.postfix.params.milter_default_action = milterAction;
  });
  return dependenciesProbe.run(probeCtx(facts));
}

describe('probes/dependencies', () => {
  it('a milter down with a unit to start: a failure for dependency-services, its effect under tempfail', async () => {
    const [f] = await run([milter()]);
    assert.deepEqual([f?.status, f?.cause, f?.human], ['fail', 'milter-unreachable', undefined]);
    assert.equal(f?.title, 'milter inet:localhost:8891 (smtpd_milters) does not answer (usually opendkim): ECONNREFUSED');
    assert.ok(f?.evidence.includes('with milter_default_action = tempfail (the default) every mail gets 451 4.7.1 at MAIL FROM'));
    assert.ok(f?.evidence.includes('installed here and able to serve it: opendkim.service'));
  });

  it('the effect follows milter_default_action: accepted unsigned (a bypass in force), held, or rejected', async () => {
    const ev = async (a: string) => (await run([milter()], a))[0]?.evidence[1];
    assert.equal(await ev('accept'), 'milter_default_action = accept: mail is accepted without it (not signed, not checked by it)');
    assert.match((await ev('quarantine')) ?? '', /hold queue/);
    assert.match((await ev('reject')) ?? '', /refused at MAIL FROM with 5xx/);
  });

  it('no unit known, or the socket outside the chroot: a person decides, with the path to use', async () => {
    const [none] = await run([milter({ candidates: [], owner: null })]);
    assert.match(none?.human?.reason ?? '', /no service installed here is known to serve 127\.0\.0\.1:8891/);
    const [outside] = await run([milter({ spec: 'unix:/run/opendkim/opendkim.sock', endpoint: { transport: 'unix', path: '/var/spool/postfix/run/opendkim/opendkim.sock' }, detail: 'ENOENT', misplaced: '/run/opendkim/opendkim.sock' })]);
    assert.match(outside?.title ?? '', /its socket is at \/run\/opendkim\/opendkim\.sock, outside the chroot/);
    assert.ok(outside?.human?.steps.some((x) => x.includes('/var/spool/postfix/run/opendkim/opendkim.sock')));
  });

  it('its daemon already running: starting it would change nothing; a person compares where it listens', async () => {
    const [f] = await run([milter({ ownerRunning: true })]);
    assert.match(f?.title ?? '', /does not answer although opendkim runs: it listens elsewhere, or could not open 127\.0\.0\.1:8891/);
    assert.match(f?.human?.reason ?? '', /opendkim is already running: starting it changes nothing/);
  });

  it('everything answering: one ok finding listing them', async () => {
    const [f] = await run([milter({ answers: true, detail: 'connected' })]);
    assert.equal(f?.status, 'ok');
    assert.match(f?.title ?? '', /1 service\(s\) smtpd depends on answer/);
  });
});
