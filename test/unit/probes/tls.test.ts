// Certificates made with openssl, as an admin (or certbot) leaves them: a good pair, a key from
// another pair, one about to expire, a missing file; judged as the probe judges them, and more
// severely where clients insist on TLS (submission).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { tlsProbe } from '../../../src/probes/tls.js';
import { scratchDir } from '../helpers/context.js';
import { debianServices, factsWith } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

describe('probes/tls: the certificates smtpd offers', function () {
  this.timeout(20_000);
  const s = scratchDir();
  const make = (name: string, days: number): void => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}.example.test`, '-days', String(days), '-keyout', join(s.dir, `${name}.key`), '-out', join(s.dir, `${name}.pem`)], { stdio: 'ignore' });
  };
  before(() => {
    make('good', 365);
    make('other', 365);
    make('soon', 3);
  });
  after(() => s.cleanup());

  const run = async (cert: string, key: string, submission = false) => {
    const facts = factsWith((f) => {
      Object.assign(f.postfix.params, { smtpd_tls_cert_file: `/${cert}`, smtpd_tls_key_file: `/${key}` });
      f.postfix.services = debianServices();
      if (submission) f.postfix.services.push({ service: 'submission', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 587, address: null, params: { smtpd_tls_security_level: 'encrypt' } });
    });
    return tlsProbe.run(probeCtx(facts, { fs: createHostFs(s.dir) }));
  };

  it('a matching pair, valid for a year: ok', async () => {
    const [f] = await run('good.pem', 'good.key');
    assert.deepEqual([f?.status, f?.cause], ['ok', undefined]);
    assert.match(f?.title ?? '', /matches its key and is valid for 36[45] more days/);
  });

  it('a key from another pair: named; a failure where submission needs TLS, a warning on 25 alone', async () => {
    const [on25] = await run('good.pem', 'other.key');
    assert.deepEqual([on25?.status, on25?.cause], ['warn', 'tls-certificate-problem']);
    assert.match(on25?.title ?? '', /does not belong to certificate \/good\.pem: smtpd answers STARTTLS with 454/);
    const [withSubmission] = await run('good.pem', 'other.key', true);
    assert.equal(withSubmission?.status, 'fail');
  });

  it('about to expire: a warning that the renewal is not happening', async () => {
    const [f] = await run('soon.pem', 'soon.key', true);
    assert.deepEqual([f?.status, f?.cause], ['warn', 'tls-certificate-problem']);
    assert.match(f?.title ?? '', /expires in [0-3] day\(s\)/);
  });

  it('a missing certificate: named with the file', async () => {
    const [f] = await run('missing.pem', 'good.key', true);
    assert.deepEqual([f?.status, f?.cause], ['fail', 'tls-certificate-problem']);
    assert.match(f?.title ?? '', /\/missing\.pem cannot be read \(ENOENT\)/);
    assert.ok(f?.human?.steps.some((x) => /postfix reload/.test(x)));
  });
});
