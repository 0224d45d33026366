import assert from 'node:assert/strict';
import { listenersProbe } from '../../../src/probes/listeners.js';
import { factsWith, healthyFacts, stoppedFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

describe('probes/listeners', () => {
  it('Postfix on every address: one ok finding for 25, nothing about optional 587/465', async () => {
    const fs = await listenersProbe.run(probeCtx(healthyFacts()));
    assert.deepEqual(fs.map((f) => [f.status, f.title]), [['ok', 'Postfix listens on port 25']]);
  });

  it('exim on 25: port-held-by-mta, named with pid', async () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 321, process: 'exim4' }];
      f.otherMtas = [{ name: 'exim', pid: 321, process: 'exim4', ports: [25], unit: 'exim4.service' }];
    });
    const [f] = await listenersProbe.run(probeCtx(facts));
    assert.equal(f?.cause, 'port-held-by-mta');
    assert.equal(f?.title, 'exim (exim4, pid 321) holds port 25');
    assert.ok(f?.evidence.includes('started by exim4.service'));
    assert.ok(f?.evidence.some((e) => /Address already in use/.test(e)));
  });

  it('an unknown program on 25: port-held-by-unknown, for a human, with pid and what to do', async () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 4321, process: 'python3' }];
    });
    const [f] = await listenersProbe.run(probeCtx(facts));
    assert.equal(f?.cause, 'port-held-by-unknown');
    assert.ok(f?.human);
    assert.ok(f?.human?.steps.some((s) => s.includes('ps -o pid,user,lstart,args -p 4321')));
  });

  it('loopback-only listeners: loopback-only, or inet-interfaces-needs-restart when main.cf already says all', async () => {
    const lo = (ii: string) =>
      factsWith((f) => {
        f.postfix.params.inet_interfaces = ii;
        f.listeners = [
          { family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' },
          { family: 6, address: '::1', port: 25, pid: 100, process: 'master' },
        ];
      });
    assert.equal((await listenersProbe.run(probeCtx(lo('loopback-only'))))[0]?.cause, 'loopback-only');
    const [f] = await listenersProbe.run(probeCtx(lo('all')));
    assert.equal(f?.cause, 'inet-interfaces-needs-restart');
    assert.ok(f?.evidence.some((e) => /reload` ignores inet_interfaces/.test(e)));
  });

  it('a service master.cf binds to 127.0.0.1 (127.0.0.1:submission) listens on loopback by design', async () => {
    const facts = factsWith((f) => {
      f.postfix.params.inet_interfaces = 'all';
      f.listeners.push({ family: 4, address: '127.0.0.1', port: 587, pid: f.postfix.masterPid, process: 'master' });
      f.postfix.services.push({ service: '127.0.0.1:submission', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 587, address: '127.0.0.1', params: {} });
    });
    const f = (await listenersProbe.run(probeCtx(facts))).find((x) => x.title.includes('587'));
    assert.equal(f?.status, 'ok', JSON.stringify(f));
    assert.match(f?.title ?? '', /as master\.cf asks \(127\.0\.0\.1:submission\/inet\)/);
    // The same listener without the address in master.cf is the reload trap, as on 25.
    facts.postfix.services = facts.postfix.services.map((s) => (s.port === 587 ? { ...s, service: 'submission', address: null } : s));
    const g = (await listenersProbe.run(probeCtx(facts))).find((x) => x.evidence.some((e) => e.includes(':587')));
    assert.equal(g?.cause, 'inet-interfaces-needs-restart');
  });

  it('nothing on 25: postfix-stopped when stopped, smtp-service-disabled when master runs', async () => {
    assert.equal((await listenersProbe.run(probeCtx(stoppedFacts())))[0]?.cause, 'postfix-stopped');
    const disabled = factsWith((f) => {
      f.listeners = [];
      f.postfix.params.master_service_disable = 'smtp.inet';
    });
    const [f] = await listenersProbe.run(probeCtx(disabled));
    assert.equal(f?.cause, 'smtp-service-disabled');
    assert.ok(f?.evidence.includes('master_service_disable = smtp.inet'));
  });

  it('a socket whose owner is invisible (not root) is unknown, not blamed', async () => {
    const facts = factsWith((f) => (f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: null, process: null }]));
    const [f] = await listenersProbe.run(probeCtx(facts, { isRoot: false }));
    assert.equal(f?.status, 'unknown');
    assert.match(f?.title ?? '', /run as root/);
  });
});
