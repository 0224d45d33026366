// What a plan says about stacked causes: the order of its runbooks by layer, and one line when a
// cause may be hidden behind one it fixes.
import assert from 'node:assert/strict';
import { layerOf, layerOrder, stackingNote } from '../../../src/engine/stacking.js';
import type { Plan, PlannedRunbook } from '../../../src/engine/plan-types.js';
import { healthyFacts, stoppedFacts } from '../probes/helpers/facts.js';

const rb = (id: string, causes: string[], status: PlannedRunbook['status'] = 'ready'): PlannedRunbook =>
  ({ id, title: id, file: '', sha256: '', triggeredBy: causes.map((cause) => ({ cause, title: cause })), variables: {}, preconditions: [], status, steps: [], verify: [] });
const plan = (runbooks: PlannedRunbook[]): Plan => ({ runbooks } as unknown as Plan);

describe('engine/stacking', () => {
  it('names each runbook by the lowest layer it fixes, and the order they run in', () => {
    assert.equal(layerOf(rb('port-conflict', ['port-held-by-mta', 'master-pid-locked'])), 'port owner');
    assert.equal(layerOf(rb('custom', [])), null);
    assert.equal(layerOrder([rb('port-conflict', ['port-held-by-mta']), rb('inet-interfaces', ['open-relay-risk', 'loopback-only']), rb('firewall', ['firewall-blocks-smtp'])]), 'port owner (port-conflict) → interfaces (inet-interfaces) → firewall (firewall)');
  });

  it('one line when Postfix is stopped, or opened up from loopback; none when nothing hides', () => {
    assert.match(stackingNote(plan([rb('postfix-service', ['postfix-stopped'])]), stoppedFacts()) ?? '', /^Postfix is not running now: what it says to clients .* can only be heard once it runs\. `run` diagnoses again after each round/);
    assert.match(stackingNote(plan([rb('inet-interfaces', ['loopback-only'])]), healthyFacts()) ?? '', /^Postfix listens on loopback only now:/);
    assert.equal(stackingNote(plan([rb('firewall', ['firewall-blocks-smtp'])]), healthyFacts()), undefined);
    assert.equal(stackingNote(plan([rb('postfix-service', ['postfix-stopped'], 'blocked')]), stoppedFacts()), undefined, 'nothing will run');
  });
});
