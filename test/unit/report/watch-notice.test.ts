// The notice watch sends: every kind of event in a document that validates against the
// published schema (what hook and webhook authors code against), its one-line text, and how
// loud its system-log line is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { Problem, WatchEvent } from '../../../src/engine/watch/tick.js';
import { buildNotice, noticePriority } from '../../../src/report/watch-notice.js';

const schema = JSON.parse(readFileSync(new URL('../../../schemas/watch-notice.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, formats: { 'date-time': true } }).compile(schema);
const NOW = Date.parse('2026-12-06T10:00:00Z');
const STOPPED: Problem = { cause: 'postfix-stopped', title: 'Postfix is not running', status: 'fail', evidence: ['`postfix status` exits 1 (not running)'], fixedBy: ['postfix-service'] };

const EVENTS: Record<string, WatchEvent> = {
  recovered: { kind: 'recovered', cause: 'firewall-blocks-smtp', title: 'nftables rejects 25/tcp' },
  problem: { kind: 'problem', cause: STOPPED.cause, title: STOPPED.title, status: 'fail', evidence: STOPPED.evidence, fixedBy: STOPPED.fixedBy },
  fixed: { kind: 'fixed', cause: 'postfix-stopped', title: 'Postfix is not running', runbooks: ['postfix-service'], runId: '20261206T100000Z-abcd' },
  failed: { kind: 'fix-failed', cause: 'postfix-stopped', title: 'Postfix is not running', runbooks: ['postfix-service'], runId: '20261206T100000Z-abcd', runStatus: 'failed-rolled-back', error: 'verification failed for postfix-service: Postfix greets on port 25' },
  backoff: { kind: 'backoff', cause: 'postfix-stopped', title: 'Postfix is not running', fixes: 3, limit: 3, until: '2026-12-06T10:55:00.000Z' },
};

describe('report: the watch notice', () => {
  it('problem fixed in one tick: healthy, one line that says it all, valid against the schema', () => {
    const n = buildNotice({ version: '9.9.9', host: 'mx1', now: NOW, events: [EVENTS.problem as WatchEvent, EVENTS.fixed as WatchEvent], problems: [], runId: '20261206T100000Z-abcd', needsHuman: [] });
    assert.ok(validate(n), JSON.stringify(validate.errors));
    assert.equal(n.state, 'healthy');
    assert.equal(n.at, '2026-12-06T10:00:00.000Z');
    assert.equal(n.text, 'postfix-fix watch on mx1: problem: Postfix is not running [postfix-stopped]; fixed: postfix-stopped by postfix-service (run 20261206T100000Z-abcd) — now healthy');
    assert.equal(noticePriority(n), 'notice');
  });

  it('a failing fix, back-off, something gone: each event kind validates; the text keeps their order', () => {
    const n = buildNotice({ version: '9.9.9', host: 'mx1', now: NOW, events: Object.values(EVENTS), problems: [STOPPED], runId: null, needsHuman: ['postfix-service: back-off: …'] });
    assert.ok(validate(n), JSON.stringify(validate.errors));
    assert.equal(n.state, 'problem');
    assert.deepEqual(n.problems, [{ cause: 'postfix-stopped', title: 'Postfix is not running', status: 'fail' }]);
    assert.equal(
      n.text,
      'postfix-fix watch on mx1: gone: nftables rejects 25/tcp [firewall-blocks-smtp]; problem: Postfix is not running [postfix-stopped]; fixed: postfix-stopped by postfix-service (run 20261206T100000Z-abcd); fix failed: postfix-stopped by postfix-service (failed-rolled-back: verification failed for postfix-service: Postfix greets on port 25); back-off: postfix-stopped had 3 fix(es) within the hour (max 3), left alone until 2026-12-06T10:55:00.000Z — now problem',
    );
    assert.equal(noticePriority(n), 'warning');
  });

  it('the schema is strict: an event with a field of another kind, or no events at all, is not a notice', () => {
    const n = buildNotice({ version: '9.9.9', host: 'mx1', now: NOW, events: [{ ...(EVENTS.backoff as WatchEvent), runId: 'x' } as WatchEvent], problems: [STOPPED], runId: null, needsHuman: [] });
    assert.equal(validate(n), false);
    assert.equal(validate({ ...n, events: [] }), false);
  });

  it('a rollback that could not restore everything is an error in the log; a problem without a runbook says so', () => {
    const n = buildNotice({ version: '9.9.9', host: 'mx1', now: NOW, events: [{ ...(EVENTS.failed as WatchEvent & { kind: 'fix-failed' }), runStatus: 'rollback-incomplete' }], problems: [STOPPED], runId: 'r', needsHuman: [] });
    assert.equal(noticePriority(n), 'err');
    const lonely = buildNotice({ version: '9.9.9', host: 'mx1', now: NOW, events: [{ kind: 'problem', cause: 'mx-missing', title: 'no MX for lab.test', status: 'warn', evidence: [], fixedBy: [] }], problems: [], runId: null, needsHuman: [] });
    assert.match(lonely.text, /problem: no MX for lab\.test \[mx-missing\] \(no runbook fixes it\)/);
    assert.ok(validate(lonely), JSON.stringify(validate.errors));
  });
});
