// What smtpd depends on: the specs as admins write them, where smtpd connects (chroot), and real
// connects — a TCP listener and a unix socket that answer, ones that do not, a socket made
// outside the chroot.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { dialSmtp } from '../../../src/exec/dial.js';
import { endpointOf, gatherDependencies, milterSpecs, namedDependencies, policySpecs } from '../../../src/facts/dependencies.js';
import { debianProfile, scratchDir } from '../helpers/context.js';
import { debianServices } from '../probes/helpers/facts.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';

describe('facts/dependencies', () => {
  it('milter and policy specs as admins write them', () => {
    assert.deepEqual(milterSpecs('inet:localhost:8891, unix:/opendkim/opendkim.sock { inet:127.0.0.1:11332, default_action=accept }'), ['inet:localhost:8891', 'unix:/opendkim/opendkim.sock', 'inet:127.0.0.1:11332']);
    assert.deepEqual(policySpecs('permit_mynetworks, reject_unauth_destination, check_policy_service inet:127.0.0.1:10023, check_policy_service { unix:private/policyd-spf, timeout=10s }'), ['inet:127.0.0.1:10023', 'unix:private/policyd-spf']);
  });

  it('where smtpd connects: localhost is 127.0.0.1; unix paths under the queue directory when chrooted or relative', () => {
    assert.deepEqual(endpointOf('inet:localhost:8891', '/var/spool/postfix', true), { transport: 'inet', host: '127.0.0.1', port: 8891 });
    assert.deepEqual(endpointOf('unix:/opendkim/opendkim.sock', '/var/spool/postfix', true), { transport: 'unix', path: '/var/spool/postfix/opendkim/opendkim.sock' });
    assert.deepEqual(endpointOf('unix:/run/opendkim/opendkim.sock', '/var/spool/postfix', false), { transport: 'unix', path: '/run/opendkim/opendkim.sock' });
    assert.deepEqual(endpointOf('private/auth', '/var/spool/postfix', false), { transport: 'unix', path: '/var/spool/postfix/private/auth' });
  });

  it('main.cf, master.cf -o overrides and SASL wherever it is enabled (dovecot only)', () => {
    const services = debianServices();
    services.push({ service: 'submission', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 587, address: null, params: { smtpd_sasl_auth_enable: 'yes', smtpd_milters: 'inet:127.0.0.1:8893' } });
    const named = namedDependencies({ smtpd_milters: 'inet:localhost:8891', non_smtpd_milters: '$smtpd_milters', smtpd_sasl_type: 'dovecot', smtpd_sasl_path: 'private/auth', smtpd_recipient_restrictions: 'check_policy_service inet:127.0.0.1:10023' }, services);
    assert.deepEqual(
      named.map((n) => `${n.kind} ${n.spec} ${n.usedBy}`),
      ['milter inet:localhost:8891 smtpd_milters', 'policy inet:127.0.0.1:10023 smtpd_recipient_restrictions', 'milter inet:127.0.0.1:8893 submission/inet/smtpd_milters', 'sasl private/auth submission/inet/smtpd_sasl_path'],
    );
  });

  it('real connects: answering, refused, missing socket, socket outside the chroot; who could serve it', async () => {
    const s = scratchDir();
    const servers: Server[] = [];
    try {
      const tcp = createServer(() => undefined);
      servers.push(tcp);
      await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
      const port = (tcp.address() as AddressInfo).port;
      mkdirSync(join(s.dir, 'var/spool/postfix/private'), { recursive: true });
      const auth = createServer(() => undefined);
      servers.push(auth);
      await new Promise<void>((r) => auth.listen(join(s.dir, 'var/spool/postfix/private/auth'), r));
      mkdirSync(join(s.dir, 'run/opendkim'), { recursive: true });
      const outside = createServer(() => undefined);
      servers.push(outside);
      await new Promise<void>((r) => outside.listen(join(s.dir, 'run/opendkim/opendkim.sock'), r));
      mkdirSync(join(s.dir, 'lib/systemd/system'), { recursive: true });
      writeFileSync(join(s.dir, 'lib/systemd/system/postgrey.service'), '[Service]\n');
      const ctx = { exec: fakeExec([]), fs: createHostFs(s.dir), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 };
      const facts = await gatherDependencies(ctx, {
        params: {
          smtpd_milters: `inet:127.0.0.1:${port} unix:/run/opendkim/opendkim.sock`,
          smtpd_recipient_restrictions: 'check_policy_service inet:127.0.0.1:10023',
          smtpd_sasl_auth_enable: 'yes',
          smtpd_sasl_type: 'dovecot',
          smtpd_sasl_path: 'private/auth',
        },
        services: debianServices(),
        queueDir: '/var/spool/postfix',
        listeners: [],
        manager: 'systemd',
      });
      const by = Object.fromEntries(facts.endpoints.map((d) => [d.spec, d]));
      assert.equal(by[`inet:127.0.0.1:${port}`]?.answers, true);
      assert.deepEqual([by['inet:127.0.0.1:10023']?.answers, by['inet:127.0.0.1:10023']?.detail, by['inet:127.0.0.1:10023']?.owner, by['inet:127.0.0.1:10023']?.candidates], [false, 'ECONNREFUSED', 'postgrey', ['postgrey.service']]);
      assert.equal(by['private/auth']?.answers, true);
      assert.deepEqual([by['unix:/run/opendkim/opendkim.sock']?.answers, by['unix:/run/opendkim/opendkim.sock']?.misplaced], [false, '/run/opendkim/opendkim.sock']);
      assert.deepEqual(facts.downUnits, ['postgrey.service'], 'a misplaced socket is not fixed by starting its service');
      assert.equal(by['inet:127.0.0.1:10023']?.ownerRunning, undefined, 'no process list given: not judged');

      // The same, with postgrey already running (listening elsewhere): starting it would change nothing.
      const again = await gatherDependencies(ctx, {
        params: { smtpd_recipient_restrictions: 'check_policy_service inet:127.0.0.1:10023' },
        services: debianServices(),
        queueDir: '/var/spool/postfix',
        listeners: [],
        manager: 'systemd',
        processes: [{ pid: 812, comm: 'postgrey' }],
      });
      assert.equal(again.endpoints[0]?.ownerRunning, true);
      assert.deepEqual(again.downUnits, []);
    } finally {
      await Promise.all(servers.map((x) => new Promise((r) => x.close(r))));
      s.cleanup();
    }
  });
});
