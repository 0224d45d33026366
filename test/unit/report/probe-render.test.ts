// The probe's report: the verdict and exit code, JSON valid against schemas/probe-report.schema.json,
// and the text a person reads.
import assert from 'node:assert/strict';
import probeSchema from '../../../schemas/probe-report.schema.json' with { type: 'json' };
import { validateWith } from '../../../src/core/validate.js';
import { buildProbeReport } from '../../../src/probes/client/report.js';
import { renderProbeJson } from '../../../src/report/probe-json.js';
import { renderProbeText } from '../../../src/report/probe-text.js';
import { createColours } from '../../../src/report/colour.js';
import type { DialResult } from '../../../src/core/dial.js';
import type { DialAll, PortDial } from '../../../src/exec/client/dial-all.js';
import type { Resolution } from '../../../src/exec/client/resolve.js';
import type { ProbeReport } from '../../../src/probes/client/types.js';

const A = '192.0.2.10';
const STARTED = Date.parse('2026-06-01T00:00:00Z');
const mxResolution: Resolution = {
  target: 'example.org',
  kind: 'name',
  mx: { status: 'ok', detail: '1 MX record(s)', records: [{ preference: 10, host: 'mx.example.org' }], nullMx: false },
  self: { name: 'example.org', addresses: [], source: 'none', status: 'nodata', detail: 'no A or AAAA record' },
  mxHosts: [{ name: 'mx.example.org', preference: 10, addresses: [A], source: 'dns', status: 'ok', detail: '1 A record(s), 0 AAAA record(s)' }],
  ms: 12,
};
const dial = (port: number, r: Partial<DialResult> & Pick<DialResult, 'outcome'>, refusal?: PortDial['refusal']): PortDial => ({
  address: A,
  port,
  host: 'mx.example.org',
  via: 'mx',
  servername: 'mx.example.org',
  result: { host: A, port, ms: 4, ...r },
  ...(refusal ? { refusal } : {}),
});
const cert = { subject: 'CN=mx.example.org', commonName: 'mx.example.org', altNames: ['mx.example.org'], issuer: 'CN=lab CA', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', fingerprint256: 'AB:CD', selfSigned: false };
const healthy: DialAll = {
  dials: [dial(25, { outcome: 'banner', code: 220, banner: '220 mx.example.org ESMTP Postfix (Debian/GNU)', connectMs: 1, tls: { mode: 'starttls', offered: true, ok: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certificate: cert, trusted: false, trustError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', nameMatches: true, ms: 3 } })],
  context: [],
  routes: { [A]: { source: '198.51.100.2' } },
  skipped: [],
};
const broken: DialAll = {
  dials: [dial(25, { outcome: 'refused', detail: 'ECONNREFUSED' }, 'icmp'), dial(587, { outcome: 'refused', detail: 'ECONNREFUSED' }, 'icmp')],
  context: [dial(465, { outcome: 'refused', detail: 'ECONNREFUSED' }, 'icmp')],
  routes: { [A]: { source: '198.51.100.2' } },
  skipped: [{ address: '2001:db8::10', reason: 'this machine has no route to it (ENETUNREACH)' }],
};
const build = (dialled: DialAll, o: Partial<Parameters<typeof buildProbeReport>[0]> = {}): ProbeReport =>
  buildProbeReport({ target: 'example.org', ports: dialled.dials.map((d) => d.port), startedAt: STARTED, timeoutMs: 10_000, resolution: mxResolution, unresolved: [], dialled, now: STARTED + 80, ...o });

describe('report/probe: verdict, JSON, text', () => {
  it('every port greets: ok, exit 0, nothing to do next', () => {
    const r = build(healthy);
    assert.deepEqual([r.ok, r.exitCode, r.next], [true, 0, []]);
    assert.equal(r.summary, 'every port greets (1 address and port)');
    assert.equal(r.source, '198.51.100.2');
  });

  it('a port that does not greet: exit 4, the diagnose to run on the server for this client and those ports', () => {
    const r = build(broken);
    assert.deepEqual([r.ok, r.exitCode], [false, 4]);
    assert.equal(r.summary, '0 of 2 greet; 192.0.2.10:25, 192.0.2.10:587 unreachable (a firewall rejecting)');
    assert.equal(r.next[0], 'on the server: postfix-fix diagnose --from 198.51.100.2 --port 25 --port 587');
    assert.deepEqual(r.context.map((c) => [c.port, c.outcome]), [[465, 'unreachable']]);
  });

  it('nothing to dial (the name does not resolve): exit 4 with the reason, never a stack', () => {
    const r = build({ dials: [], context: [], routes: {}, skipped: [] }, { target: 'nx.example.org', ports: [25], unresolved: [{ port: 25, reason: 'nx.example.org does not exist in DNS (NXDOMAIN)' }] });
    assert.deepEqual([r.ok, r.exitCode, r.resolution.status, r.summary], [false, 4, 'failed', 'nx.example.org does not exist in DNS (NXDOMAIN)']);
    assert.match(renderProbeText(r), /^✗ nx\.example\.org: nx\.example\.org does not exist in DNS \(NXDOMAIN\)\n[\s\S]*✗ port 25: nothing to dial: nx\.example\.org does not exist/);
  });

  it('an accepted relay test fails the probe even though every port greets', () => {
    const open: DialAll = { ...healthy, dials: [dial(25, { outcome: 'banner', code: 220, banner: '220 x', dialogue: [{ command: 'EHLO', code: 250, text: '250 x' }, { command: 'MAIL', code: 250, text: '250 Ok' }, { command: 'RCPT', code: 250, text: '250 Ok' }] })] };
    const r = build(open);
    assert.deepEqual([r.ok, r.exitCode], [false, 4]);
    assert.match(r.summary, /relays mail for this client/);
  });

  it('JSON: valid against schemas/probe-report.schema.json, schemaVersion 1, one result per address and port', () => {
    for (const r of [build(healthy), build(broken), build({ dials: [], context: [], routes: {}, skipped: [] }, { ports: [25], unresolved: [{ port: 25, reason: "x" }] })]) {
      const parsed = JSON.parse(renderProbeJson(r)) as ProbeReport;
      assert.deepEqual(validateWith(probeSchema, parsed), []);
      assert.equal(parsed.schemaVersion, 1);
      for (const res of parsed.results) assert.ok(typeof res.address === 'string' && typeof res.port === 'number' && typeof res.outcome === 'string');
    }
    const bad = JSON.parse(renderProbeJson(build(broken)));
    bad.results[0].outcome = 'refused-ish';
    assert.ok(validateWith(probeSchema, bad).length > 0);
  });

  it('text: the verdict first, where the name led, each port with its meaning and what fits; no colour unless asked', () => {
    const text = renderProbeText(build(broken));
    const lines = text.split('\n');
    assert.equal(lines[0], '✗ example.org: 0 of 2 greet; 192.0.2.10:25, 192.0.2.10:587 unreachable (a firewall rejecting)');
    assert.match(lines[1] ?? '', /^ {2}MX: 10 mx\.example\.org → 192\.0\.2\.10$/);
    assert.match(text, /\n✗ 192\.0\.2\.10:25 \(mx\.example\.org\) {2}unreachable \(a firewall rejecting\) {2}4 ms\n {4}192\.0\.2\.10:25 refused the connection with an ICMP port-unreachable/);
    assert.match(text, /Fits, on the server \(most likely first\):\n {6}- a ban of this machine's address: fail2ban/);
    assert.match(text, /not dialled: 2001:db8::10: this machine has no route to it/);
    assert.match(text, /\nNext: on the server: postfix-fix diagnose --from 198\.51\.100\.2 --port 25 --port 587\n/);
    assert.ok(!text.includes('\u001b['));
    assert.ok(renderProbeText(build(broken), createColours(true)).includes('\u001b['));
  });

  it('text: a greeting shows the banner, STARTTLS and the certificate', () => {
    const text = renderProbeText(build(healthy));
    assert.match(text, /^✓ example\.org: every port greets/);
    assert.match(text, /✓ 192\.0\.2\.10:25 \(mx\.example\.org\) {2}greets {2}4 ms\n {4}220 mx\.example\.org ESMTP Postfix \(Debian\/GNU\)\n {4}greets as mx\.example\.org \(Postfix\)\.\n {4}STARTTLS: works \(TLSv1\.3, TLS_AES_256_GCM_SHA384\)\n {4}certificate: mx\.example\.org \[mx\.example\.org\], until 2027-01-01 \(213 day\(s\) left\); not trusted \(UNABLE_TO_GET_ISSUER_CERT_LOCALLY\); names this host/);
  });
});
