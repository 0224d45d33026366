// A report that answers for one client (--from, --port): it says whose view it is, every command
// it suggests repeats the same --from/--port, and the JSON (with its `client`) and a saved plan
// (with its `client`) pass their published schemas.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import reportSchema from '../../../schemas/diagnose-report.schema.json' with { type: 'json' };
import { validateWith } from '../../../src/core/validate.js';
import { buildReport } from '../../../src/engine/diagnose-report.js';
import { readPlanFile } from '../../../src/engine/plan-file.js';
import { UserError } from '../../../src/core/errors.js';
import { problem } from '../../../src/probes/finding.js';
import { renderDiagnoseJson } from '../../../src/report/diagnose-json.js';
import { renderDiagnoseNagios } from '../../../src/report/diagnose-nagios.js';
import { renderDiagnoseText } from '../../../src/report/diagnose-text.js';
import { debianProfile, scratchDir } from '../helpers/context.js';
import { RUNBOOKS } from '../engine/helpers/runbooks.js';
import { factsWith } from '../probes/helpers/facts.js';
import type { Runbook } from '../../../src/engine/catalog/types.js';

const UNBAN = { ...(RUNBOOKS.values().next().value as Runbook), id: 'fail2ban-unban', title: 'Lift the ban', symptoms: ['fail2ban-bans-client'] };
const runbooks = new Map([...RUNBOOKS, ['fail2ban-unban', UNBAN]]);

function clientReport(portsGiven: boolean) {
  const facts = factsWith((f) => {
    f.client = { address: '203.0.113.7', name: 'office.example', family: 4, ports: [25, 587], portsGiven, iface: 'eth0', local: false, bridge: null };
  });
  const ban = problem('fail', 'fail2ban', 'fail2ban-bans-client', ['fail2ban-client banned 203.0.113.7 → postfix'], { title: 'fail2ban (jail postfix) bans 203.0.113.7 from ports 25, 587, until 2026-12-06 09:17:30 (in 1 h)' });
  return buildReport({ facts, profile: debianProfile(), findings: [ban], runbooks, startedAt: new Date('2026-01-01T00:00:00Z'), durationMs: 420, timeoutMs: 5_000, offline: false, gatherMs: 90, timings: [] });
}

describe('report: answering for one client', () => {
  it('text: whose view it is, and the fix repeats --from (and --port when it was given)', () => {
    const text = renderDiagnoseText(clientReport(false));
    assert.match(text, /^Seen from 203\.0\.113\.7 \(office\.example\), ports 25, 587, arriving via eth0 \(25 and the smtpd ports master\.cf offers\)\n/);
    assert.ok(text.includes('  Fix: postfix-fix run --runbook fail2ban-unban --from 203.0.113.7\n'), text);
    assert.ok(renderDiagnoseText(clientReport(true)).includes('  Fix: postfix-fix run --runbook fail2ban-unban --from 203.0.113.7 --port 25 --port 587\n'));
  });

  it('nagios: the fix line carries --from too', () => {
    assert.match(renderDiagnoseNagios(clientReport(false), { checkDurationMs: 500 }).text, /fix: postfix-fix run --runbook fail2ban-unban --from 203\.0\.113\.7/);
  });

  it('JSON: `client` is part of the published schema', () => {
    const parsed = JSON.parse(renderDiagnoseJson(clientReport(true))) as { client: unknown };
    assert.deepEqual(validateWith(reportSchema, parsed), []);
    assert.deepEqual(parsed.client, { address: '203.0.113.7', name: 'office.example', ports: [25, 587], portsGiven: true, via: 'eth0' });
  });

  it('a saved plan with its client is read back; a client that is not an address is refused', () => {
    const base = JSON.parse(readFileSync(new URL('../../fixtures/hostile/base/plan.json', import.meta.url), 'utf8').replace(/@VERSION@/g, '9.9.9')) as Record<string, unknown>;
    const s = scratchDir();
    try {
      const file = join(s.dir, 'plan.json');
      writeFileSync(file, JSON.stringify({ ...base, client: { address: '2001:db8::7', name: null, ports: [587] } }));
      assert.deepEqual(readPlanFile(file, '9.9.9').client, { address: '2001:db8::7', name: null, ports: [587] });
      writeFileSync(file, JSON.stringify({ ...base, client: { address: '1.2.3.4; rm -rf /', name: null, ports: null } }));
      assert.throws(
        () => readPlanFile(file, '9.9.9'),
        (e: unknown) => e instanceof UserError && /client\.address/.test(e.format()),
      );
    } finally {
      s.cleanup();
    }
  });
});
