// --format prometheus: the text exposition format node_exporter's textfile collector reads,
// table-driven over the shapes of findings. The output is parsed back strictly (HELP and TYPE
// once per family, before its samples; samples of a family together; escaped label values; no
// timestamps; a final newline); `promtool check metrics` judges the real file in
// test/e2e/cli/monitoring.test.ts.
import assert from 'node:assert/strict';
import { buildReport } from '../../../src/engine/diagnose-report.js';
import type { DiagnoseReport } from '../../../src/engine/diagnose-report.js';
import { CAUSES } from '../../../src/probes/causes.js';
import { ok, problem, unknown } from '../../../src/probes/finding.js';
import type { Finding } from '../../../src/probes/types.js';
import { escapeLabelValue, renderDiagnosePrometheus, renderPrometheusFailure } from '../../../src/report/diagnose-prometheus.js';
import { RUNBOOKS } from '../engine/helpers/runbooks.js';
import { debianProfile } from '../helpers/context.js';
import { healthyFacts } from '../probes/helpers/facts.js';

const NOW = Date.parse('2026-12-06T06:00:00.250Z');
const report = (findings: Finding[]): DiagnoseReport =>
  buildReport({ facts: healthyFacts(), profile: debianProfile(), findings, runbooks: RUNBOOKS, startedAt: new Date(NOW - 300), durationMs: 12, timeoutMs: 5_000, offline: false, gatherMs: 90, timings: [] });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of what we write: throws on anything the exposition format would not take. */
function parseExposition(text: string): { help: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const help = new Map<string, string>();
  const typed = new Set<string>();
  const samples: Sample[] = [];
  const closed = new Set<string>();
  let current: string | null = null;
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      const name = m[1] as string;
      assert.ok(!help.has(name) && !closed.has(name), `one HELP for ${name}`);
      if (current) closed.add(current);
      current = name;
      help.set(name, m[2] as string);
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$/.exec(line);
    if (m) {
      assert.equal(m[1], current, 'TYPE follows its HELP');
      assert.ok(!typed.has(m[1] as string));
      typed.add(m[1] as string);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line without a timestamp: ${JSON.stringify(line)}`);
    const name = m[1] as string;
    assert.equal(name, current, `${name}: samples of one family together, after its HELP and TYPE`);
    assert.ok(typed.has(name));
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
    let seen = 0;
    for (let lm = re.exec(body); lm; lm = re.exec(body)) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
      seen = re.lastIndex;
    }
    assert.equal(seen, body.length, `label set ${body}`);
    const value = Number(m[3]);
    assert.ok(!Number.isNaN(value), m[3]);
    samples.push({ name, labels, value });
  }
  return { help, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

const QUEUE = { maildrop_messages: 0, incoming_messages: 0, active_messages: 1, deferred_messages: 120, hold_messages: 2, maildrop_oldest_age_seconds: 0, incoming_oldest_age_seconds: 0, active_oldest_age_seconds: 3, deferred_oldest_age_seconds: 7_200, hold_oldest_age_seconds: 86_400 };

interface Row {
  name: string;
  findings: Finding[];
  healthy: 0 | 1;
  causes: Array<[string, 'fail' | 'warn']>;
  counts: Record<'fail' | 'warn' | 'unknown' | 'ok', number>;
  queue: boolean;
}

const ROWS: Row[] = [
  { name: 'healthy, idle queue', findings: [ok('service', 'running'), { ...ok('queue', 'the queue is empty'), metrics: { ...QUEUE, active_messages: 0, deferred_messages: 0, hold_messages: 0, active_oldest_age_seconds: 0, deferred_oldest_age_seconds: 0, hold_oldest_age_seconds: 0 } }, unknown('dns', 'MX lookup skipped (offline)')], healthy: 1, causes: [], counts: { fail: 0, warn: 0, unknown: 1, ok: 2 }, queue: true },
  { name: 'Postfix stopped (two findings, one cause)', findings: [problem('fail', 'service', 'postfix-stopped', []), problem('fail', 'smtp_banner', 'postfix-stopped', [])], healthy: 0, causes: [['postfix-stopped', 'fail']], counts: { fail: 2, warn: 0, unknown: 0, ok: 0 }, queue: false },
  { name: 'a backlog only: warn', findings: [ok('service', 'running'), { ...problem('warn', 'queue', 'queue-backlog', []), metrics: QUEUE }], healthy: 0, causes: [['queue-backlog', 'warn']], counts: { fail: 0, warn: 1, unknown: 0, ok: 1 }, queue: true },
  { name: 'one cause both failing and warning', findings: [problem('fail', 'main_cf', 'main-cf-permissions', []), problem('warn', 'postfix_check', 'main-cf-permissions', [])], healthy: 0, causes: [['main-cf-permissions', 'fail'], ['main-cf-permissions', 'warn']], counts: { fail: 1, warn: 1, unknown: 0, ok: 0 }, queue: false },
  { name: 'a verdict check blind: not healthy, no cause', findings: [ok('service', 'running'), unknown('smtp_banner', 'could not judge 127.0.0.1:25')], healthy: 0, causes: [], counts: { fail: 0, warn: 0, unknown: 1, ok: 1 }, queue: false },
];

describe('report/diagnose-prometheus: textfile collector metrics', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const { help, samples } = parseExposition(renderDiagnosePrometheus(report(row.findings), { nowMs: NOW, checkDurationMs: 1_234 }));
      assert.equal(value(samples, 'postfix_fix_up'), 1);
      assert.equal(value(samples, 'postfix_fix_healthy'), row.healthy);
      // Every known cause, with both statuses, 0 unless found: alerts on `== 1` always have a series.
      const causeSamples = samples.filter((s) => s.name === 'postfix_fix_cause');
      assert.equal(causeSamples.length, Object.keys(CAUSES).length * 2);
      const on = causeSamples.filter((s) => s.value === 1).map((s) => [s.labels['cause'], s.labels['status']]);
      assert.deepEqual(on, row.causes);
      assert.ok(causeSamples.every((s) => s.value === 0 || s.value === 1));
      for (const [status, n] of Object.entries(row.counts)) assert.equal(value(samples, 'postfix_fix_findings', { status }), n, status);
      assert.equal(value(samples, 'postfix_fix_check_duration_seconds'), 1.234);
      assert.equal(value(samples, 'postfix_fix_last_check_timestamp_seconds'), NOW / 1000);
      if (row.queue) {
        assert.equal(samples.filter((s) => s.name === 'postfix_fix_queue_messages').length, 5);
        assert.equal(value(samples, 'postfix_fix_queue_oldest_message_age_seconds', { queue: 'maildrop' }), 0);
      } else {
        assert.ok(!help.has('postfix_fix_queue_messages') && !help.has('postfix_fix_queue_oldest_message_age_seconds'), 'not measured: absent, not 0');
      }
      for (const name of help.keys()) assert.match(name, /^postfix_fix_[a-z_]+$/);
      assert.ok(![...help.keys()].some((n) => n.endsWith('_total')), 'gauges only: no counter suffix');
    });
  }

  it('queue sizes and ages per queue, held mail included (the age alert chooses its queues)', () => {
    const { samples } = parseExposition(renderDiagnosePrometheus(report([{ ...problem('warn', 'queue', 'queue-backlog', []), metrics: QUEUE }]), { nowMs: NOW, checkDurationMs: 1 }));
    assert.equal(value(samples, 'postfix_fix_queue_messages', { queue: 'deferred' }), 120);
    assert.equal(value(samples, 'postfix_fix_queue_messages', { queue: 'hold' }), 2);
    assert.equal(value(samples, 'postfix_fix_queue_oldest_message_age_seconds', { queue: 'deferred' }), 7_200);
    assert.equal(value(samples, 'postfix_fix_queue_oldest_message_age_seconds', { queue: 'hold' }), 86_400);
  });

  it('when the ages could not be read, only the sizes are there', () => {
    const sizesOnly = Object.fromEntries(Object.entries(QUEUE).filter(([k]) => k.endsWith('_messages')));
    const { help } = parseExposition(renderDiagnosePrometheus(report([{ ...ok('queue', '123 message(s)'), metrics: sizesOnly }]), { nowMs: NOW, checkDurationMs: 1 }));
    assert.ok(help.has('postfix_fix_queue_messages'));
    assert.ok(!help.has('postfix_fix_queue_oldest_message_age_seconds'));
  });

  it('label values are escaped: backslash, double quote, line feed', () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(escapeLabelValue('postfix-stopped'), 'postfix-stopped');
  });

  it('diagnose could not run: up 0, the timestamp and duration, nothing claimed about the host', () => {
    const { samples } = parseExposition(renderPrometheusFailure({ nowMs: NOW, checkDurationMs: 80 }));
    assert.deepEqual(
      samples.map((s) => [s.name, s.value]),
      [
        ['postfix_fix_up', 0],
        ['postfix_fix_check_duration_seconds', 0.08],
        ['postfix_fix_last_check_timestamp_seconds', NOW / 1000],
      ],
    );
  });
});
