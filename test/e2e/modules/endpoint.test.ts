// The `endpoint` check speaks each service's own protocol, against the real daemons: Debian's
// OpenDKIM answers a milter option negotiation, Dovecot's auth server greets first — and each
// is told apart from the other (a socket that accepts connections is not proof of the right
// daemon behind it). Reached through the host's /proc/PID/root, as HostFs does in the lab.
import assert from 'node:assert/strict';
import { greetEndpoint } from '../../../src/exec/endpoint.js';
import { LabHost, startDovecotSasl, startOpendkim, stopDovecot, stopOpendkim } from '../lab/index.js';
import type { Host, Opendkim } from '../lab/index.js';

describe('e2e: endpoint protocols against real OpenDKIM and Dovecot', function () {
  this.timeout(120_000);
  let host: Host;
  let dkim: Opendkim;
  const at = (path: string) => ({ transport: 'unix' as const, path: `/proc/${host.pid}/root${path}` });
  const DKIM = '/var/spool/postfix/opendkim/opendkim.sock';
  const AUTH = '/var/spool/postfix/private/auth';

  before(async () => {
    host = await LabHost.create({ name: 'endpoints' });
    dkim = await startOpendkim(host, { socket: `local:${DKIM}` });
    await startDovecotSasl(host, { users: [{ user: 'alice', password: 'lab-secret' }] });
  });
  after(async () => host?.destroy());

  it('OpenDKIM answers a milter option negotiation; Dovecot greets as an auth server', async () => {
    const milter = await greetEndpoint(at(DKIM), 'milter', 3_000);
    assert.deepEqual([milter.answers, milter.detail], [true, 'answers a milter option negotiation']);
    const auth = await greetEndpoint(at(AUTH), 'dovecot-auth', 3_000);
    assert.deepEqual([auth.answers, auth.detail], [true, 'greets as a Dovecot auth server']);
  });

  it('the wrong daemon behind a socket does not pass: Dovecot is no milter, OpenDKIM does not greet', async () => {
    const notMilter = await greetEndpoint(at(AUTH), 'milter', 3_000);
    assert.equal(notMilter.answers, false);
    assert.match(notMilter.detail, /not "O"|closed|no answer/);
    const notDovecot = await greetEndpoint(at(DKIM), 'dovecot-auth', 1_000);
    assert.equal(notDovecot.answers, false);
    assert.match(notDovecot.detail, /no answer in its protocol in time|closed/);
  });

  it('stopped, neither answers: the socket files stay behind, the connect is refused', async () => {
    await stopOpendkim(host, dkim);
    await stopDovecot(host);
    for (const [path, protocol] of [[DKIM, 'milter'], [AUTH, 'dovecot-auth']] as const) {
      const a = await greetEndpoint(at(path), protocol, 2_000);
      assert.equal(a.answers, false, `${path}: ${a.detail}`);
      assert.match(a.detail, /ECONNREFUSED|ENOENT/);
    }
  });
});
