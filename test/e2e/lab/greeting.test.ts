import assert from 'node:assert/strict';
import { injectGreetingRefusal } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import type { LinkInfo } from './peer.js';
import { postconfRemove, postfixReload } from './postfix-control.js';
import { smtpProbe, smtpSession } from './smtp.js';

const SHORT = 1_500;

// smtpd refusing a client in its greeting (smtpd_delay_reject = no), judged by the refused
// client, another client, and the server's own loopback.
describe('lab: a 554 greeting from smtpd', function () {
  let server: LabHost;
  let refused: LabHost;
  let other: LabHost;
  let toRefused: LinkInfo;
  let toOther: LinkInfo;

  before(async function () {
    [server, refused, other] = await Promise.all([
      LabHost.create({ name: 'grsrv' }),
      LabHost.create({ name: 'grbad', postfix: false }),
      LabHost.create({ name: 'grok', postfix: false }),
    ]);
    toRefused = await link(server, refused);
    toOther = await link(server, other);
  });
  after(async function () {
    await Promise.all([server?.destroy(), refused?.destroy(), other?.destroy()]);
  });
  afterEach(async function () {
    await postconfRemove(server, ['smtpd_client_restrictions', 'smtpd_delay_reject']);
    await postfixReload(server);
  });

  it('one client mapped to REJECT: it is greeted 554 5.7.1, everyone else 220', async function () {
    assert.equal((await smtpProbe(refused, toRefused.aAddr, 25, SHORT)).code, 220, 'precondition');
    const fault = await injectGreetingRefusal(server, { clients: [toRefused.bAddr] });
    assert.equal(fault.restrictions, 'check_client_access cidr:/etc/postfix/client_refuse.cidr');
    const probe = await smtpProbe(refused, toRefused.aAddr, 25, SHORT);
    assert.equal(probe.kind, 'banner');
    assert.equal(probe.code, 554);
    assert.equal(probe.banner, `554 5.7.1 <unknown[${toRefused.bAddr}]>: Client host rejected: Access denied`);
    const session = await smtpSession(refused, toRefused.aAddr, 25, { tls: 'starttls' });
    assert.equal(session.stage, 'banner');
    assert.equal(session.ehlo, undefined);
    assert.match(
      await server.readFile('/var/log/postfix.log'),
      new RegExp(`NOQUEUE: reject: CONNECT from unknown\\[${toRefused.bAddr.replace(/\./g, '\\.')}\\]: 554 5\\.7\\.1 `),
    );
    assert.equal((await smtpProbe(other, toOther.aAddr, 25, SHORT)).code, 220);
    assert.equal((await smtpProbe(server, '127.0.0.1', 25, SHORT)).code, 220);
  });

  it('with the admin\'s own text', async function () {
    await injectGreetingRefusal(server, { clients: [toRefused.bAddr], message: 'Go away' });
    const probe = await smtpProbe(refused, toRefused.aAddr, 25, SHORT);
    assert.equal(probe.banner, `554 5.7.1 <unknown[${toRefused.bAddr}]>: Client host rejected: Go away`);
  });

  it('smtpd_client_restrictions = reject: every client is greeted 554, loopback included', async function () {
    const fault = await injectGreetingRefusal(server);
    assert.equal(fault.clients, 'all');
    for (const [host, addr] of [[refused, toRefused.aAddr], [other, toOther.aAddr], [server, '127.0.0.1']] as const) {
      const probe = await smtpProbe(host, addr, 25, SHORT);
      assert.equal(probe.code, 554, `${host.name}: ${JSON.stringify(probe)}`);
      // Peers have no reverse DNS in the lab (unknown[…]); loopback resolves through the chroot's hosts copy.
      assert.match(probe.banner ?? '', host === server ? /^554 5\.7\.1 <localhost\[127\.0\.0\.1\]>: Client host rejected: Access denied$/ : /^554 5\.7\.1 <unknown\[[\d.]+\]>: Client host rejected: Access denied$/);
    }
  });
});
