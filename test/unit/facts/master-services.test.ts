// master.cf's services as `postconf -F`/`-P` print them for Debian's own master.cf (fixtures
// captured from Debian 12's Postfix 3.7), and the forms admins write: port numbers, names,
// address-bound services, -o overrides, `-` defaults.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMasterServices } from '../../../src/facts/master-services.js';

const fixture = (n: string): string => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');

describe('facts/master-services', () => {
  it("Debian's master.cf: smtp on 25, chrooted smtpd; no submission; the unix services", () => {
    const services = parseMasterServices(fixture('postconf-Fx.txt'), fixture('postconf-Px.txt'));
    const smtp = services.find((s) => s.service === 'smtp' && s.type === 'inet');
    assert.deepEqual([smtp?.command, smtp?.port, smtp?.chroot, smtp?.private], ['smtpd', 25, true, false]);
    assert.equal(services.some((s) => s.service === 'submission'), false);
    assert.ok(services.some((s) => s.service === 'cleanup' && s.type === 'unix' && s.command === 'cleanup'));
    assert.equal(services.find((s) => s.service === 'relay')?.params.syslog_name, 'postfix/relay');
  });

  it('ports by number, by name (IANA or /etc/services), and address-bound; -o overrides; `-` defaults', () => {
    const fields = [
      'submission/inet/service = submission', 'submission/inet/type = inet', 'submission/inet/private = n', 'submission/inet/unprivileged = -', 'submission/inet/chroot = -', 'submission/inet/process_limit = -', 'submission/inet/command = smtpd',
      '127.0.0.1:10025/inet/service = 127.0.0.1:10025', '127.0.0.1:10025/inet/type = inet', '127.0.0.1:10025/inet/chroot = n', '127.0.0.1:10025/inet/command = smtpd -o content_filter=',
      '2525/inet/service = 2525', '2525/inet/type = inet', '2525/inet/command = smtpd',
      'altsmtp/inet/service = altsmtp', 'altsmtp/inet/type = inet', 'altsmtp/inet/command = smtpd',
    ].join('\n');
    const overrides = 'submission/inet/smtpd_tls_security_level = encrypt\nsubmission/inet/smtpd_sasl_auth_enable = yes\n';
    const s = parseMasterServices(fields, overrides, new Map([['altsmtp', 2626]]));
    const by = (n: string) => s.find((x) => x.service === n);
    assert.deepEqual([by('submission')?.port, by('submission')?.chroot, by('submission')?.unprivileged], [587, false, true]);
    assert.deepEqual(by('submission')?.params, { smtpd_tls_security_level: 'encrypt', smtpd_sasl_auth_enable: 'yes' });
    assert.deepEqual([by('127.0.0.1:10025')?.port, by('127.0.0.1:10025')?.address, by('127.0.0.1:10025')?.command], [10025, '127.0.0.1', 'smtpd']);
    assert.equal(by('2525')?.port, 2525);
    assert.equal(by('altsmtp')?.port, 2626);
  });
});
