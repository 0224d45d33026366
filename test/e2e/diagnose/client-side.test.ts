// From the client's side (issue 18): a person says "the client at ADDRESS is refused on PORT";
// every check then answers for that client and port. Each fault here refuses ONE client (or one
// port) while the host looks healthy from its own seat, and is judged from a peer host: what the
// peer sees, what `diagnose` said without --from, and what it says with it.
import assert from 'node:assert/strict';
import { LabHost, attachContainer, injectGreetingRefusal, injectLoopbackOnly, injectPostscreen, link, runCli, smtpProbe, snapshot } from '../lab/index.js';
import type { ContainerInfo, LinkInfo } from '../lab/index.js';
import { diagnose } from './report.js';

describe('e2e: diagnose from the client\'s side', function () {
  this.timeout(120_000);
  let server: LabHost;
  let client: LabHost;
  let net: LinkInfo;

  beforeEach(async function () {
    [server, client] = await Promise.all([LabHost.create({ name: 'cside' }), LabHost.create({ name: 'cside-peer', postfix: false })]);
    net = await link(server, client);
  });
  afterEach(async () => {
    await Promise.all([server?.destroy(), client?.destroy()]);
  });

  it('bad --from or --port: exit 2 with the reason, and not one command run', async () => {
    for (const [args, said] of [
      [['--from', 'not an address'], /--from "not an address": not an IP address or a host name/],
      [['--from', 'nowhere.invalid'], /--from nowhere\.invalid: the name does not resolve/],
      [['--port', '0'], /--port "0": not a TCP port/],
      [['--port', '65536'], /--port "65536": not a TCP port/],
    ] as const) {
      for (const cmd of ['diagnose', 'plan', 'run']) {
        const r = await runCli(server, [cmd, '--debug', ...(cmd === 'run' ? ['--yes'] : []), ...args]);
        assert.equal(r.code, 2, `${cmd} ${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, said);
        assert.doesNotMatch(r.stderr, /^debug: /m, 'no command ran');
      }
    }
  });

  it('587 on Debian\'s default master.cf: "submission is not enabled", never healthy; 25 is fine', async () => {
    const { code, report } = await diagnose(server, ['--port', '587', '--port', '25']);
    // A cause with a runbook (submission-ports), which says in its plan what it needs first.
    assert.equal(code, 7);
    assert.equal(report.topCause?.cause, 'submission-port-disabled');
    assert.equal(report.topCause?.title, 'submission is not enabled: no master.cf service answers port 587');
    assert.ok(report.topCause?.evidence.some((e) => /^master\.cf line \d+ is commented out: #submission inet/.test(e)), report.topCause?.evidence.join('\n'));
    assert.deepEqual(report.topCause?.fixedBy, ['submission-ports']);
    assert.ok(report.findings.some((f) => f.check === 'client_ports' && f.status === 'ok' && f.title === 'smtp (port 25) is served by smtp/inet (smtpd)'));
    assert.deepEqual(report.client?.ports, [587, 25]);
    assert.equal((await smtpProbe(client, net.aAddr, 587, 1500)).kind, 'refused');
  });

  it('check_client_access refuses this client at the greeting: the peer reads 554; diagnose --from says so, another client is fine', async () => {
    await injectGreetingRefusal(server, { clients: [net.bAddr] });
    const seen = await smtpProbe(client, net.aAddr, 25, 2000);
    assert.equal(seen.code, 554, JSON.stringify(seen));
    const { code, report } = await diagnose(server, ['--from', net.bAddr]);
    assert.equal(code, 4);
    assert.equal(report.topCause?.cause, 'client-rejected-by-postfix');
    assert.equal(report.topCause?.title, `${net.bAddr} is greeted with 554 5.7.1 … Client host rejected: Access denied instead of a banner on port 25 (smtpd_client_restrictions)`);
    assert.ok(report.topCause?.evidence.includes(`check_client_access cidr:/etc/postfix/client_refuse.cidr: ${net.bAddr} → REJECT`));
    const other = await diagnose(server, ['--from', '198.51.100.20']);
    assert.equal(other.code, 0, JSON.stringify(other.report.findings.filter((f) => f.status !== 'ok')));
  });

  it('postscreen\'s access list drops this client: 521 at the greeting, named with the list', async () => {
    await injectPostscreen(server, { deny: [net.bAddr] });
    assert.equal((await smtpProbe(client, net.aAddr, 25, 3000)).code, 521);
    const { code, report } = await diagnose(server, ['--from', net.bAddr]);
    assert.equal(code, 4);
    assert.equal(report.topCause?.cause, 'client-rejected-by-postfix');
    assert.equal(report.topCause?.title, `${net.bAddr} is greeted with 521 5.3.2 and disconnected on port 25 (postscreen_access_list: cidr:/etc/postfix/postscreen_access.cidr)`);
  });

  it('a rule of the admin\'s refuses this client only: healthy without --from, "a firewall rule refuses" with it; run changes nothing (a human decides)', async () => {
    await server.execOk(['iptables', '-I', 'INPUT', '-s', `${net.bAddr}/32`, '-p', 'tcp', '--dport', '25', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    assert.equal((await smtpProbe(client, net.aAddr, 25, 1500)).kind, 'refused');
    assert.equal((await diagnose(server, [])).code, 0, 'from its own seat the host is healthy: only --from can see this');
    const { code, report } = await diagnose(server, ['--from', net.bAddr]);
    assert.equal(code, 4);
    assert.equal(report.topCause?.cause, 'firewall-blocks-client');
    assert.equal(report.topCause?.title, `a firewall rule refuses ${net.bAddr} on port 25 (other clients get in)`);
    assert.ok(report.topCause?.evidence.some((e) => e.includes(`-A INPUT -s ${net.bAddr}/32 -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset`)), report.topCause?.evidence.join('\n'));
    const before = await snapshot(server);
    const run = await runCli(server, ['run', '--yes', '--json', '--offline', '--from', net.bAddr]);
    assert.equal(run.code, 4, run.stdout);
    assert.equal((await snapshot(server)).iptablesSave, before.iptablesSave);
  });

  it('another tool\'s ban list (a CrowdSec-shaped chain, made by hand: the bouncer is not installed here) is named with its owner and its own command', async () => {
    await server.execOk(['iptables', '-N', 'CROWDSEC_CHAIN']);
    await server.execOk(['iptables', '-I', 'INPUT', '-j', 'CROWDSEC_CHAIN']);
    await server.execOk(['iptables', '-A', 'CROWDSEC_CHAIN', '-s', `${net.bAddr}/32`, '-j', 'DROP']);
    assert.equal((await smtpProbe(client, net.aAddr, 25, 1500)).kind, 'timeout');
    const { code, report } = await diagnose(server, ['--from', net.bAddr]);
    assert.equal(code, 4);
    assert.equal(report.topCause?.cause, 'firewall-tool-blocks-client');
    assert.equal(report.topCause?.title, `crowdsec's rule refuses ${net.bAddr} on port 25`);
    assert.ok(report.topCause?.human?.steps.includes(`cscli decisions delete --ip ${net.bAddr}`));
    const run = await runCli(server, ['run', '--yes', '--json', '--offline', '--from', net.bAddr]);
    assert.equal(run.code, 4, run.stdout);
    assert.match((await server.execOk(['iptables', '-S', 'CROWDSEC_CHAIN'])).stdout, new RegExp(`-A CROWDSEC_CHAIN -s ${net.bAddr.replace(/\./g, '\\.')}/32 -j DROP`), 'left to its owner');
  });

  describe('a client in a container on this host', () => {
    let ctr: ContainerInfo;
    beforeEach(async () => {
      ctr = await attachContainer(server);
      await injectLoopbackOnly(server, { value: 'loopback-only' });
    });
    afterEach(async () => ctr?.container.destroy());

    it('Postfix on loopback only: the container (whose localhost is its own) is refused at the bridge address; container-bridge adds exactly the bridge; rollback restores', async () => {
      assert.equal((await smtpProbe(ctr.container, ctr.bridgeAddr, 25, 1500)).kind, 'refused');
      const { code, report } = await diagnose(server, ['--from', ctr.containerAddr]);
      assert.equal(code, 7);
      assert.equal(report.client?.via, 'docker bridge docker0, 172.17.0.0/16');
      assert.equal(report.topCause?.cause, 'container-bridge-not-listening');
      assert.equal(report.topCause?.command, `postfix-fix run --runbook container-bridge --from ${ctr.containerAddr}`);
      assert.ok(report.findings.some((f) => f.check === 'container' && f.title === `${ctr.containerAddr} may connect but not relay: 172.17.0.0/16 is not in mynetworks`));
      const broken = await snapshot(server);
      const run = await runCli(server, ['run', '--yes', '--json', '--offline', '--runbook', 'container-bridge', '--from', ctr.containerAddr], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
      assert.match((await smtpProbe(ctr.container, ctr.bridgeAddr, 25, 2000)).banner ?? '', /^220 .*Postfix/);
      assert.equal((await smtpProbe(client, net.aAddr, 25, 1500)).kind, 'refused', 'only the bridge was added: the outside peer is still refused');
      assert.match((await server.execOk(['postconf', '-h', 'inet_interfaces'])).stdout.trim(), /^127\.0\.0\.1, (\[::1\], )?172\.17\.0\.1$/);
      assert.equal((await server.execOk(['postconf', '-h', 'mynetworks'])).stdout, broken.mainCf.match(/^mynetworks = (.*)$/m)?.[1] + '\n', 'mynetworks untouched without --var relay=true');
      const again = await runCli(server, ['run', '--yes', '--json', '--offline', '--runbook', 'container-bridge', '--from', ctr.containerAddr, '--detailed-exitcodes']);
      assert.equal((again.json as { status: string }).status, 'nothing-to-do', again.stdout);
      const back = await runCli(server, ['rollback', '--last'], { timeoutMs: 60_000 });
      assert.equal(back.code, 0, back.stdout);
      assert.equal((await snapshot(server)).mainCf, broken.mainCf);
      assert.equal((await smtpProbe(ctr.container, ctr.bridgeAddr, 25, 1500)).kind, 'refused');
    });

    it('--var relay=true: exactly the bridge\'s subnet joins mynetworks, and strangers still cannot relay', async () => {
      const run = await runCli(server, ['run', '--yes', '--json', '--offline', '--runbook', 'container-bridge', '--from', ctr.containerAddr, '--var', 'relay=true'], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
      assert.match((await server.execOk(['postconf', '-h', 'mynetworks'])).stdout.trim(), / 172\.17\.0\.0\/16$/);
      const { report } = await diagnose(server, ['--from', ctr.containerAddr]);
      assert.ok(report.findings.some((f) => f.check === 'container' && f.title === `172.17.0.0/16 is in mynetworks: ${ctr.containerAddr} may relay`));
      assert.ok(report.findings.some((f) => f.check === 'relay' && f.status === 'ok'), 'relay restrictions still refuse strangers');
    });
  });
});
