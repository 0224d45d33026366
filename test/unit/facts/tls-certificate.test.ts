// Certificates made with the machine's openssl in a scratch directory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { certificateProblem, inspectCertificate, serverCertificateProblem } from '../../../src/facts/tls-certificate.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

describe('facts/tls-certificate: usable by smtpd, or why not', function () {
  this.timeout(20_000);
  let s: Scratch;
  const fs = createHostFs('/');
  const make = (name: string, days: number): { cert: string; key: string } => {
    const cert = join(s.dir, `${name}.pem`);
    const key = join(s.dir, `${name}.key`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}.test`, '-days', String(days), '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { cert, key };
  };
  beforeEach(() => (s = scratchDir('pf-cert-')));
  afterEach(() => s.cleanup());

  it('valid, expiring, mismatched, unreadable: one verdict each; only the unusable ones are a problem', async () => {
    const a = make('a', 365);
    const b = make('b', 5);
    const valid = await inspectCertificate(fs, a.cert, a.key);
    assert.equal(valid.kind, 'valid');
    assert.equal(certificateProblem(valid, a.cert, a.key), null);
    const soon = await inspectCertificate(fs, b.cert, b.key);
    assert.equal(soon.kind, 'expiring');
    assert.equal(certificateProblem(soon, b.cert, b.key), null, 'expiring soon still works');
    const mismatch = await inspectCertificate(fs, a.cert, b.key);
    assert.equal(certificateProblem(mismatch, a.cert, b.key), `key ${b.key} does not belong to certificate ${a.cert}`);
    assert.equal(certificateProblem(await inspectCertificate(fs, join(s.dir, 'none.pem'), a.key), join(s.dir, 'none.pem'), a.key), `certificate ${join(s.dir, 'none.pem')} cannot be read (ENOENT)`);
    const expired = await inspectCertificate(fs, a.cert, a.key, Date.now() + 400 * 86_400_000);
    assert.match(certificateProblem(expired, a.cert, a.key) ?? '', /^certificate .* expired on /);
    chmodSync(a.key, 0o000);
    // Root reads it anyway, as smtpd does before it drops privileges.
    if (process.getuid?.() === 0) assert.equal((await inspectCertificate(fs, a.cert, a.key)).kind, 'valid');
  });

  it('main.cf\'s pair: none configured, the key defaulting to the certificate file, the EC pair', async () => {
    assert.deepEqual(await serverCertificateProblem(fs, {}), { cert: '', key: '', problem: 'no certificate configured: smtpd_tls_cert_file is empty in main.cf' });
    const a = make('a', 365);
    assert.deepEqual(await serverCertificateProblem(fs, { smtpd_tls_cert_file: a.cert, smtpd_tls_key_file: a.key }), { cert: a.cert, key: a.key, problem: '' });
    assert.match((await serverCertificateProblem(fs, { smtpd_tls_cert_file: a.cert })).problem, /cannot be used|does not belong/);
    assert.equal((await serverCertificateProblem(fs, { smtpd_tls_eccert_file: a.cert, smtpd_tls_eckey_file: a.key })).problem, '');
  });
});
