// Stacked causes as diagnose sees them: a port owner explains "Postfix not running" (one chain,
// not two causes); what master.cf declares is judged while Postfix is stopped (the firewall for
// a declared 587, a missing smtp service), so a plan sees those layers before anything starts.
import assert from 'node:assert/strict';
import { buildReport } from '../../../src/engine/diagnose-report.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { parseRunbook } from '../../../src/engine/catalog/runbook.js';
import { parseYaml } from '../../../src/engine/catalog/yaml-source.js';
import { createModuleRegistry } from '../../../src/modules/registry.js';
import { linkCauses } from '../../../src/probes/chains.js';
import { firewallProbe } from '../../../src/probes/firewall.js';
import { listenersProbe } from '../../../src/probes/listeners.js';
import { declaresPort, offeredPorts } from '../../../src/probes/smtp-ports.js';
import type { Finding } from '../../../src/probes/types.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { debianProfile } from '../helpers/context.js';
import { debianServices, factsWith, healthyFacts, stoppedFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const fail = (cause: string, title = `${cause} found`): Finding => ({ check: 'test', status: 'fail', cause, title, evidence: [`${cause} seen`], fixedBy: [] });

function catalogRunbooks() {
  const modules = createModuleRegistry();
  const dir = new URL('../../../runbooks', import.meta.url).pathname;
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => {
    const rb = parseRunbook(parseYaml(join(dir, f), readFileSync(join(dir, f), 'utf8')), modules);
    return [rb.id, rb] as const;
  }));
}

function report(findings: Finding[]) {
  return buildReport({ facts: stoppedFacts(), profile: debianProfile(), findings: linkCauses(findings), runbooks: catalogRunbooks(), startedAt: new Date(), durationMs: 1, timeoutMs: 5000, offline: true, gatherMs: 0, timings: [] });
}

describe('probes/chains: causes that explain each other', () => {
  it('an unknown program on 25 explains "Postfix not running": no service runbook offered, exit 4 (only a human can remove the root)', () => {
    const r = report([fail('postfix-stopped', 'Postfix is not running'), fail('port-held-by-unknown', 'python3 (pid 9) holds port 25')]);
    assert.equal(r.topCause?.cause, 'port-held-by-unknown');
    const stopped = r.findings.find((f) => f.cause === 'postfix-stopped');
    assert.equal(stopped?.explainedBy, 'port-held-by-unknown');
    assert.deepEqual(stopped?.fixedBy, []);
    assert.match(stopped?.evidence[0] ?? '', /^because: python3 \(pid 9\) holds port 25 \(port-held-by-unknown\) — Postfix cannot start while another program holds port 25$/);
    assert.deepEqual(r.fixes, []);
    assert.equal(r.exitCode, ExitCode.NeedsHuman);
  });

  it('another MTA on 25: the chain is fixed by port-conflict alone (it starts Postfix itself), exit 7', () => {
    const r = report([fail('postfix-stopped'), fail('port-held-by-mta')]);
    assert.deepEqual(r.fixes.map((f) => f.runbook), ['port-conflict']);
    assert.equal(r.exitCode, ExitCode.ChangesNeeded);
  });

  it('mail refused on a port another MTA holds is that MTA refusing, not Postfix: no advice of its own', () => {
    const refused: Finding = { ...fail('mail-refused'), human: { reason: 'a lookup table, milter…', steps: ['x'] } };
    const [linked] = linkCauses([refused, fail('port-held-by-mta')]);
    assert.equal(linked?.explainedBy, 'port-held-by-mta');
    assert.equal(linked?.human, undefined);
  });

  it('smtpd dying at start-up explains "no greeting" seen from another address', () => {
    const linked = linkCauses([fail('smtp-no-banner'), fail('smtpd-dies-at-startup')]);
    assert.equal(linked[0]?.explainedBy, 'smtpd-dies-at-startup');
  });

  it('a foreign lock on master.pid explains it too; without a root, "not running" stays a cause of its own', () => {
    assert.equal(linkCauses([fail('postfix-stopped'), fail('master-pid-locked')])[0]?.explainedBy, 'master-pid-locked');
    const alone = linkCauses([fail('postfix-stopped'), fail('firewall-blocks-smtp')]);
    assert.equal(alone[0]?.explainedBy, undefined);
    assert.deepEqual(report([fail('postfix-stopped'), fail('firewall-blocks-smtp')]).fixes.map((f) => f.runbook), ['postfix-service', 'firewall']);
  });
});

describe('probes: what master.cf declares, judged while Postfix is stopped', () => {
  const withSubmission = (f: ReturnType<typeof healthyFacts>): void => {
    f.postfix.services = [...debianServices(), { ...debianServices()[0]!, service: 'submission', port: 587 }];
  };

  it('offeredPorts: 587 counts once master.cf declares it, before anything listens there', () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      withSubmission(f);
    });
    assert.equal(declaresPort(facts, 587), true);
    assert.equal(declaresPort(facts, 465), false);
    assert.deepEqual(offeredPorts(facts), [25, 587]);
    facts.postfix.params.master_service_disable = 'submission/inet';
    assert.deepEqual(offeredPorts(facts), [25]);
  });

  it('the firewall probe judges a declared 587 while Postfix is stopped', async () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      withSubmission(f);
      f.firewall.active = ['iptables-nft'];
      f.firewall.verdicts = [
        { backend: 'iptables-nft', port: 25, iface: 'eth0', verdict: 'allow', detail: 'policy ACCEPT of INPUT' },
        { backend: 'iptables-nft', port: 587, iface: 'eth0', verdict: 'reject', detail: '-A INPUT -p tcp -m tcp --dport 587 -j REJECT' },
      ];
    });
    const [f] = await firewallProbe.run(probeCtx(facts));
    assert.deepEqual([f?.cause, f?.title], ['firewall-blocks-smtp', 'iptables-nft rejects port 587']);
  });

  it('Postfix stopped with no smtp service in master.cf: said now, not only once a fix started it', async () => {
    const commented = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.postfix.services = debianServices().filter((s) => s.type !== 'inet');
    });
    const fs = await listenersProbe.run(probeCtx(commented));
    assert.deepEqual(fs.map((f) => f.cause), ['postfix-stopped', 'smtp-service-disabled']);
    assert.match(fs[1]?.title ?? '', /will not listen there even once started/);
    const disabled = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.postfix.params.master_service_disable = 'inet';
    });
    assert.match((await listenersProbe.run(probeCtx(disabled)))[1]?.evidence[0] ?? '', /^master_service_disable = inet$/);
    // Declared as usual: nothing more to say than "stopped".
    assert.deepEqual((await listenersProbe.run(probeCtx(stoppedFacts()))).map((f) => f.cause), ['postfix-stopped']);
  });
});
