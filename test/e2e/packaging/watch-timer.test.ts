// The watch timer as the .deb ships it, on a Debian 12 host booted with real systemd
// (systemd-nspawn): installed with dpkg (nodejs from Debian, as in deb.test.ts), off until an
// administrator turns it on; turned on — with a drop-in for a short period, as an administrator
// would with `systemctl edit` — it brings a stopped Postfix back within one tick, as a peer sees
// it, journaled, with one line in the journal and one notice at a webhook receiver in the lab;
// `dpkg -r` turns it off again.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb } from '../../../scripts/build-deb.js';
import { LabHost, NspawnHost, injectPostfixStopped, link, pollUntil, smtpProbe, startWebhookListener } from '../lab/index.js';
import type { LinkInfo, WebhookListener } from '../lab/index.js';
import type { WatchNotice } from '../../../src/report/watch-notice.js';
import { DEBIAN_NODEJS, installDebsIn } from './debs.js';

const SKIP = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const DEB_IN_HOST = '/root/postfix-fix.deb';
const UNITS = ['postfix-fix-watch.timer', 'postfix-fix-watch.service'];
// What `systemctl edit postfix-fix-watch.timer` would write for a test-sized period: an empty
// assignment resets the shipped timers, then a first tick after 1 s and one every 12 s — long
// enough that the test stops Postfix between two ticks, not under one (a tick diagnosing while
// `systemctl stop` is still deactivating races with it, which is not what this test is about).
const PERIOD_S = 12;
const DROP_IN = `[Timer]\nOnActiveSec=\nOnActiveSec=1s\nOnUnitActiveSec=${PERIOD_S}s\nAccuracySec=1s\n`;

describe('e2e packaging: the watch timer on a systemd host', function () {
  this.timeout(180_000);
  let host: NspawnHost | undefined;
  let peer: LabHost | undefined;
  let net: LinkInfo;
  let webhook: WebhookListener;
  let out: string | undefined;

  before(async function () {
    if (SKIP) {
      console.log('      skipped: POSTFIX_FIX_LAB_SKIP_NSPAWN=1 (the watch timer was not tested)');
      this.skip();
    }
    this.timeout(10 * 60_000);
    out = mkdtempSync(join(tmpdir(), 'postfix-fix-watch-deb-'));
    const deb = await buildDeb({ outDir: out });
    host = await NspawnHost.create({ name: 'wtimer' });
    peer = await LabHost.create({ name: 'wtimer-peer', postfix: false });
    net = await link(host, peer);
    webhook = await startWebhookListener(peer, { address: net.bAddr, port: 8180 });
    await installDebsIn(host, DEBIAN_NODEJS);
    await host.writeFile(DEB_IN_HOST, readFileSync(deb.path), 0o644);
    const r = await host.exec(['dpkg', '-i', DEB_IN_HOST], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await Promise.all([host?.destroy(), peer?.destroy()]);
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const h = (): NspawnHost => {
    if (!host) throw new Error('no host');
    return host;
  };

  it('installed but off: both units known to systemd, disabled, inactive, not scheduled; systemd-analyze verify finds nothing', async () => {
    for (const u of UNITS) {
      assert.equal((await h().exec(['systemctl', 'is-enabled', u])).stdout.trim(), u.endsWith('.timer') ? 'disabled' : 'static', u);
      assert.equal((await h().exec(['systemctl', 'is-active', u])).stdout.trim(), 'inactive', u);
      assert.equal((await h().exec(['systemctl', 'show', u, '-p', 'LoadState', '--value'])).stdout.trim(), 'loaded', u);
    }
    assert.doesNotMatch((await h().execOk(['systemctl', 'list-timers', '--all', '--no-legend'])).stdout, /postfix-fix/);
    assert.equal((await h().exec(['test', '-e', '/etc/systemd/system/timers.target.wants/postfix-fix-watch.timer'])).code, 1);
    // The minimal container has no man-db: verify's check of Documentation=man:postfix-fix(8)
    // fails there for want of `man` (the page itself is tested in deb.test.ts). Nothing else may.
    const verify = await h().exec(['systemd-analyze', 'verify', ...UNITS.map((u) => `/usr/lib/systemd/system/${u}`)], { timeoutMs: 60_000 });
    const complaints = `${verify.stdout}${verify.stderr}`.split('\n').filter((l) => l.trim() && !/Command 'man postfix-fix\(8\)' failed with code 1$/.test(l));
    assert.deepEqual(complaints, []);
    assert.notEqual((await h().exec(['sh', '-c', 'command -v man'])).code, 0, 'no man here indeed');
    assert.equal((await h().exec(['test', '-e', '/etc/postfix-fix/watch.yaml'])).code, 1, 'no policy shipped in /etc: the administrator writes one');
  });

  it('turned on (a short period by drop-in): Postfix stopped → running again within one tick, seen from a peer; one journal line, one notice', async () => {
    await h().execOk(['mkdir', '-p', '/etc/postfix-fix', '/etc/systemd/system/postfix-fix-watch.timer.d']);
    // The shipped example, with the webhook turned on: what an administrator starts from.
    const example = (await h().execOk(['cat', '/usr/share/doc/postfix-fix/examples/watch.yaml'])).stdout;
    await h().writeFile('/etc/postfix-fix/watch.yaml', `${example}\n  webhook:\n    url: ${webhook.url}\n    timeout: 5\n`, 0o600);
    const once = await h().exec(['postfix-fix', 'watch', '--once', '--offline'], { timeoutMs: 90_000 });
    assert.equal(once.code, 0, `the policy loads and the healthy host is left alone: ${once.stdout}${once.stderr}`);
    assert.equal(once.stdout, '');

    await h().writeFile('/etc/systemd/system/postfix-fix-watch.timer.d/lab.conf', DROP_IN, 0o644);
    await h().execOk(['systemctl', 'daemon-reload'], { timeoutMs: 60_000 });
    await h().execOk(['systemctl', 'enable', '--now', 'postfix-fix-watch.timer'], { timeoutMs: 60_000 });
    assert.equal((await h().exec(['systemctl', 'is-enabled', 'postfix-fix-watch.timer'])).stdout.trim(), 'enabled');
    // A first tick on the healthy host: quiet, successful. Postfix is stopped as soon as it ends.
    const show = async (p: string): Promise<string> => (await h().execOk(['systemctl', 'show', 'postfix-fix-watch.service', '-p', p, '--value'])).stdout.trim();
    await pollUntil(async () => ((await show('ExecMainExitTimestampMonotonic')) !== '0' && (await show('ActiveState')) === 'inactive' ? true : undefined), { timeoutMs: 90_000, intervalMs: 100, what: 'a first tick from the timer' });
    assert.equal(await show('Result'), 'success');
    assert.deepEqual(await webhook.requests(), [], 'a healthy host tells no one');

    await injectPostfixStopped(h());
    const stoppedAt = Date.now();
    assert.equal((await smtpProbe(peer as LabHost, net.aAddr, 25, 2_000)).kind, 'refused');
    await pollUntil(async () => ((await smtpProbe(peer as LabHost, net.aAddr, 25, 2_000)).kind === 'banner' ? true : undefined), { timeoutMs: 120_000, intervalMs: 250, what: 'the peer to get the banner again (a watch tick restarting Postfix)' });
    console.log(`      banner again ${Date.now() - stoppedAt} ms after the stop (a tick every ${PERIOD_S} s)`);
    assert.equal((await h().execOk(['systemctl', 'is-active', 'postfix@-'])).stdout.trim(), 'active');

    // Journaled like a run, by the timer's service; one fix was enough. The peer is greeted as
    // soon as Postfix starts, while the tick still proves and journals: its end record is the
    // marker waited for (a run killed midway would never write one, and fail here).
    const runs = await pollUntil(async () => {
      const watch = (await h().execOk(['postfix-fix', 'rollback', '--list'])).stdout.split('\n').filter((l) => /\swatch\s/.test(l));
      return watch.length > 0 && !watch.some((l) => /no end record/.test(l)) ? watch : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: "the watch run's end record" });
    assert.equal(runs.length, 1, runs.join('\n'));
    assert.match(runs[0] ?? '', /^\S+\s+watch\s+changed\b/);
    const line = await pollUntil(async () => {
      const j = (await h().exec(['journalctl', '-t', 'postfix-fix', '--no-pager', '-o', 'cat', '-q'])).stdout;
      const found = j.split('\n').filter((l) => l.startsWith('watch: '));
      return found.length ? found : undefined;
    }, { timeoutMs: 30_000, what: 'the watch line in the journal' });
    assert.deepEqual(line.map((l) => l.replace(/\(run \S+\)/, '(run …)')), ['watch: postfix-fix watch on wtimer: problem: Postfix is not running [postfix-stopped]; fixed: postfix-stopped by postfix-service (run …) — now healthy']);
    const notices = (await pollUntil(async () => {
      const n = await webhook.notices();
      return n.length ? n : undefined;
    }, { timeoutMs: 30_000, what: 'the notice at the webhook' })) as WatchNotice[];
    assert.deepEqual(notices.map((n) => n.events.map((e) => `${e.kind}:${e.cause}`)), [['problem:postfix-stopped', 'fixed:postfix-stopped']]);
    assert.equal(notices[0]?.host, 'wtimer');
    // What the tick printed is in the journal under the unit's own name, apart from the notices.
    const printed = (await h().execOk(['journalctl', '-t', 'postfix-fix-watch', '--no-pager', '-o', 'cat', '-q'])).stdout;
    assert.match(printed, /^watch: wtimer: now healthy\n {2}problem: Postfix is not running \[postfix-stopped\]\n {2}fixed: postfix-stopped by postfix-service/m);
  });

  it('dpkg -r stops the timer and turns it off: no link left to a unit that is gone', async () => {
    const r = await h().exec(['dpkg', '-r', 'postfix-fix'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await h().exec(['systemctl', 'is-active', 'postfix-fix-watch.timer'])).stdout.trim(), 'inactive');
    assert.equal((await h().exec(['sh', '-c', 'test -e /etc/systemd/system/timers.target.wants/postfix-fix-watch.timer || test -L /etc/systemd/system/timers.target.wants/postfix-fix-watch.timer'])).code, 1);
    assert.doesNotMatch((await h().execOk(['systemctl', 'list-timers', '--all', '--no-legend'])).stdout, /postfix-fix/);
    assert.equal((await h().exec(['test', '-e', '/usr/lib/systemd/system/postfix-fix-watch.timer'])).code, 1);
    assert.equal((await h().exec(['test', '-e', '/etc/postfix-fix/watch.yaml'])).code, 0, 'the administrator\'s policy is left alone');
  });
});
