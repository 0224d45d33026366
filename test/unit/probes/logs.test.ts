import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { logsProbe } from '../../../src/probes/logs.js';
import { parseLogTime } from '../../../src/probes/logs/log-time.js';
import { scanLogLines } from '../../../src/probes/logs/patterns.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, stoppedFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// postfix.log: a real maillog_file from a namespace host that went through a stale pid, a
// foreign lock, a python3 holding :25 (bind conflict), restarts, a content filter that was down
// and an `nc -z`-style connect-and-hang-up.
const LOG = readFileSync(new URL('./fixtures/postfix.log', import.meta.url), 'utf8');
const NOW = Date.parse('2026-11-27T22:00:00');

/** The probe judges recency against the real clock: move syslog dates to today. */
function restamp(text: string): string {
  const d = new Date();
  const today = `${d.toLocaleString('en-US', { month: 'short' })} ${String(d.getDate()).padStart(2, ' ')}`;
  return text.replace(/^[A-Z][a-z]{2} +\d{1,2} \d{2}:/gm, `${today} 00:`);
}

function hostWithLog(text = LOG): ReturnType<typeof createHostFs> {
  const root = mkdtempSync(join(tmpdir(), 'pf-logs-'));
  mkdirSync(join(root, 'var/log'), { recursive: true });
  writeFileSync(join(root, 'var/log/postfix.log'), text);
  return createHostFs(root);
}

describe('probes/logs', () => {
  it('reads syslog and ISO timestamps', () => {
    assert.equal(new Date(parseLogTime('Nov 27 21:17:15 vm postfix/master[185]: x', NOW) ?? 0).getMinutes(), 17);
    assert.equal(parseLogTime('2026-11-27T21:17:15+0000 vm postfix/master[1]: x', NOW), Date.parse('2026-11-27T21:17:15Z'));
    assert.equal(new Date(parseLogTime('Dec 31 23:00:00 vm x', Date.parse('2027-01-01T10:00:00')) ?? 0).getFullYear(), 2026);
    assert.equal(parseLogTime('no time here', NOW), null);
  });

  it('finds start failures only after the last start attempt', () => {
    const events = scanLogLines(LOG.split('\n'), NOW);
    // the bind conflict was followed by successful starts: not reported
    assert.ok(!events.some((e) => e.id === 'bind-conflict'));
    const upToConflict = LOG.split('\n').filter((l) => l <= 'Nov 27 21:17:17');
    assert.deepEqual(scanLogLines(upToConflict, NOW).filter((e) => e.id === 'bind-conflict').map((e) => e.detail), [{ address: '0.0.0.0', port: '25' }]);
    assert.ok(events.some((e) => e.id === 'connect-failed' && e.detail.port === '10024'));
  });

  it('forgets what is older than a day', () => {
    assert.equal(scanLogLines(LOG.split('\n'), NOW + 3 * 24 * 3600_000).filter((e) => e.id === 'connect-failed').length, 0);
  });

  it('turns them into findings: content filter down, bind conflict while stopped', async () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.postfix.params.content_filter = 'smtp:[127.0.0.1]:10024';
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 99, process: 'python3' }];
    });
    const upToConflict = LOG.split('\n').filter((l) => l <= 'Nov 27 21:17:17' || l.includes('10024')).join('\n');
    const fs = await logsProbe.run(probeCtx(facts, { fs: hostWithLog(restamp(upToConflict)) }));
    assert.deepEqual(fs.map((f) => f.cause).sort(), ['content-filter-down', 'port-held-by-unknown']);
  });

  it('a logged bind conflict is history once the port is free: no cause (the live checks decide)', async () => {
    const facts = factsWith((f) => Object.assign(f, stoppedFacts()));
    const upToConflict = LOG.split('\n').filter((l) => l <= 'Nov 27 21:17:17').join('\n');
    const fs = await logsProbe.run(probeCtx(facts, { fs: hostWithLog(restamp(upToConflict)) }));
    assert.ok(!fs.some((f) => f.cause === 'port-held-by-unknown' || f.cause === 'port-held-by-mta'), JSON.stringify(fs));
  });

  it('a big log is only tailed (500 lines), never read whole', async () => {
    const filler = 'Nov 27 00:00:00 vm postfix/qmgr[1]: 4B1: removed\n'.repeat(8_000);
    const exec = fakeExec([{ argv: ['tail', '-n', '500', '--', '/var/log/postfix.log'], result: { stdout: 'Nov 27 00:00:00 vm x: fine\n' } }]);
    const [f] = await logsProbe.run(probeCtx(stoppedFacts(), { exec, fs: hostWithLog(filler) }));
    assert.equal(exec.calls.length, 1);
    assert.deepEqual(f?.evidence, ['/var/log/postfix.log: last 1 lines read']);
  });

  it('no log anywhere: unknown, and why', async () => {
    const [f] = await logsProbe.run(probeCtx(stoppedFacts()));
    assert.equal(f?.status, 'unknown');
    assert.ok(f?.evidence.some((e) => /maillog_file/.test(e)));
  });

  it('hang-ups from this host itself are not clients disconnecting', async () => {
    const line = (ip: string, i: number) => `Nov 27 21:${10 + i}:00 vm postfix/smtpd[9]: lost connection after CONNECT from unknown[${ip}]`;
    const own = [0, 1, 2, 3].map((i) => line('10.0.0.5', i)).join('\n');
    const remote = [0, 1, 2, 3].map((i) => line('198.51.100.7', i)).join('\n');
    const run = async (text: string) => logsProbe.run(probeCtx(factsWith(() => undefined), { fs: hostWithLog(restamp(text)) }));
    assert.equal((await run(own))[0]?.status, 'ok');
    const [f] = await run(remote);
    assert.deepEqual([f?.status, f?.cause], ['warn', 'clients-disconnect-early']);
  });
});

describe('probes/logs: Postfix\'s relay safety net', () => {
  it('smtpd exiting on a relay-restriction fatal is a configuration failure (clients see no banner)', async () => {
    const line = 'Nov 27 21:40:01 mx postfix/smtpd[812]: fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit or check_relay_domains';
    const unsafe = factsWith((f) => {
      f.relay.restrictionsSafe = false;
    });
    const [f] = await logsProbe.run(probeCtx(unsafe, { fs: hostWithLog(restamp(line)) }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'postfix-config-invalid']);
    // Once the restrictions are safe again, the old fatal is history.
    const fixed = await logsProbe.run(probeCtx(factsWith(() => undefined), { fs: hostWithLog(restamp(line)) }));
    assert.ok(!fixed.some((x) => x.cause === 'postfix-config-invalid'));
  });
});
