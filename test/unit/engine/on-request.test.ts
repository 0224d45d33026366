// A runbook marked on_request is a choice about the host (listen on IPv6 too) or a safeguard
// weakened for a while (mail without a milter): the findings alone never plan it, `--runbook`
// does, and diagnose does not offer it as "the fix" (the finding's advice names it instead).
import assert from 'node:assert/strict';
import { UserErrors } from '../../../src/core/errors.js';
import { parseRunbook } from '../../../src/engine/catalog/runbook.js';
import type { Catalog } from '../../../src/engine/catalog/types.js';
import { parseYaml } from '../../../src/engine/catalog/yaml-source.js';
import { buildReport, runbooksFixing } from '../../../src/engine/diagnose-report.js';
import { makePlan, selectRunbooks } from '../../../src/engine/planner.js';
import { createModuleRegistry } from '../../../src/modules/registry.js';
import { problem } from '../../../src/probes/finding.js';
import { baseFacts, debianProfile, testContext } from '../helpers/context.js';

const modules = createModuleRegistry();

const yaml = (id: string, extra: string): string => `id: ${id}
title: ${id}
description: d
symptoms: [localhost-resolves-ipv6]
${extra}steps:
  - name: listen on IPv6 too
    module: postconf
    args: { set: { inet_protocols: all } }
    risk: low
verify:
  - name: banner
    module: smtp
    args: { port: 25 }
`;

function catalogOf(...texts: Array<[string, string]>): Catalog {
  const runbooks = new Map(texts.map(([id, extra]) => [id, parseRunbook(parseYaml(`${id}.yaml`, yaml(id, extra)), modules)]));
  return { runbooks, profiles: new Map([['debian', debianProfile()]]) };
}

const finding = problem('warn', 'localhost', 'localhost-resolves-ipv6', ['localhost → ::1 first'], { title: 'localhost resolves to ::1 first' });

describe('runbooks run only on request (on_request)', () => {
  it('is read from the YAML; absent means false; anything but a boolean is rejected at its line', () => {
    const c = catalogOf(['asked', 'on_request: true\n'], ['plain', '']);
    assert.equal(c.runbooks.get('asked')?.onRequest, true);
    assert.equal(c.runbooks.get('plain')?.onRequest, false);
    assert.throws(
      () => parseRunbook(parseYaml('bad.yaml', yaml('bad', 'on_request: yes please\n')), modules),
      (e: unknown) => e instanceof UserErrors && e.errors.some((x) => /bad\.yaml:5:\d+: on_request/.test(x.format()) && /boolean/.test(x.format())),
    );
  });

  it('the findings alone never choose it; --runbook does, and says which finding it answers', () => {
    const c = catalogOf(['asked', 'on_request: true\n'], ['plain', '']);
    assert.deepEqual(selectRunbooks(c, [finding], []).map((s) => s.rb.id), ['plain']);
    const named = selectRunbooks(c, [finding], ['asked']);
    assert.deepEqual(named.map((s) => s.rb.id), ['asked']);
    assert.deepEqual(named[0]?.triggeredBy.map((t) => t.cause), ['localhost-resolves-ipv6']);
  });

  it('a plan from the findings leaves it out; a plan asked for it has its steps', async () => {
    const c = catalogOf(['asked', 'on_request: true\n']);
    const ctx = testContext(baseFacts());
    const fromFindings = await makePlan({ catalog: c, modules, ctx, findings: [finding], runbookIds: [], vars: new Map(), version: 't' });
    assert.deepEqual(fromFindings.runbooks, []);
    const asked = await makePlan({ catalog: c, modules, ctx, findings: [finding], runbookIds: ['asked'], vars: new Map(), version: 't' });
    assert.deepEqual(asked.runbooks.map((r) => r.id), ['asked']);
    assert.equal(asked.runbooks[0]?.steps.length, 1);
  });

  it('diagnose does not offer it as the fix: the warning stays advice (exit 0), not "fixable"', () => {
    const c = catalogOf(['asked', 'on_request: true\n']);
    assert.deepEqual(runbooksFixing('localhost-resolves-ipv6', c.runbooks), []);
    const facts = baseFacts();
    const report = buildReport({ findings: [finding], runbooks: c.runbooks, facts, profile: debianProfile(), startedAt: new Date(), durationMs: 1, timeoutMs: 5000, offline: true, gatherMs: 1, timings: [], isRoot: true });
    assert.deepEqual(report.findings[0]?.fixedBy, []);
    assert.equal(report.exitCode, 0);
    const plain = catalogOf(['plain', '']);
    assert.deepEqual(runbooksFixing('localhost-resolves-ipv6', plain.runbooks), ['plain']);
  });
});
