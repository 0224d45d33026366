import assert from 'node:assert/strict';
import { attachContainer } from './bridge.js';
import type { ContainerInfo } from './bridge.js';
import { injectLoopbackOnly } from './faults.js';
import { LabHost } from './host.js';
import { postconfGet, postconfSet, postfixReload, postfixRestart } from './postfix-control.js';
import { relayAttempt, smtpProbe } from './smtp.js';
import { run } from './run.js';

const SHORT = 1_500;
const OUTSIDE = { from: 'app@container.test', to: 'someone@example.net' };

// A server with a docker0-style bridge and containers on it: what a containerised app sees
// when it sends mail through the host's Postfix.
describe('lab: a container on a bridge in the server (Docker/Podman networking)', function () {
  this.timeout(40_000);
  let server: LabHost;
  let first: ContainerInfo;
  const containers: LabHost[] = [];

  before(async function () {
    server = await LabHost.create({ name: 'brsrv' });
    first = await attachContainer(server);
    containers.push(first.container);
  });
  after(async function () {
    await Promise.all([server?.destroy(), ...containers.map((c) => c.destroy())]);
  });

  it('wires docker0 172.17.0.1/16 and a container at 172.17.0.2 with its default route via the bridge', async function () {
    assert.equal(first.bridge, 'docker0');
    assert.equal(first.bridgeAddr, '172.17.0.1');
    assert.equal(first.containerAddr, '172.17.0.2');
    assert.match((await server.execOk(['ip', '-o', '-4', 'addr', 'show', 'dev', 'docker0'])).stdout, /inet 172\.17\.0\.1\/16 /);
    assert.match((await server.execOk(['ip', '-o', 'link', 'show', first.hostVeth])).stdout, /master docker0 /);
    const route = (await first.container.execOk(['ip', 'route', 'show', 'default'])).stdout;
    assert.match(route, new RegExp(`^default via 172\\.17\\.0\\.1 dev ${first.containerIf}`));
    // Both veth ends live in the lab hosts, none in the machine's namespace.
    const onMachine = await run(['ip', 'link', 'show', first.hostVeth], { timeoutMs: 5_000 });
    assert.notEqual(onMachine.code, 0);
    // Reached: a closed port on the bridge address answers with a reset, not "unreachable".
    assert.equal((await smtpProbe(first.container, first.bridgeAddr, 2525, SHORT)).kind, 'refused');
  });

  it('inet_interfaces = all: the container is greeted on the bridge address, but may not relay', async function () {
    assert.equal(await postconfGet(server, 'inet_interfaces'), 'all');
    const probe = await smtpProbe(first.container, first.bridgeAddr, 25, SHORT);
    assert.equal(probe.banner, '220 brsrv.lab.test ESMTP Postfix (Debian/GNU)');
    const relay = await relayAttempt(first.container, first.bridgeAddr, 25, OUTSIDE);
    assert.equal(relay.code, 454, JSON.stringify(relay));
    assert.match(await server.readFile('/var/log/postfix.log'), /connect from unknown\[172\.17\.0\.2\]/);
  });

  it('loopback-only Postfix refuses the container; listening on all interfaces greets it again', async function () {
    await injectLoopbackOnly(server);
    assert.equal((await smtpProbe(first.container, first.bridgeAddr, 25, SHORT)).kind, 'refused');
    await postconfSet(server, ['inet_interfaces=all']);
    await postfixRestart(server);
    assert.equal((await smtpProbe(first.container, first.bridgeAddr, 25, SHORT)).code, 220);
  });

  it('with the bridge subnet in mynetworks the container relays', async function () {
    const mynetworks = await postconfGet(server, 'mynetworks');
    await postconfSet(server, [`mynetworks=${mynetworks} ${first.subnet}`]);
    await postfixReload(server);
    const relay = await relayAttempt(first.container, first.bridgeAddr, 25, OUTSIDE);
    assert.equal(relay.accepted, true, JSON.stringify(relay));
  });

  it('a second container joins the same bridge at the next address', async function () {
    const second = await attachContainer(server);
    containers.push(second.container);
    assert.equal(second.bridge, 'docker0');
    assert.equal(second.containerAddr, '172.17.0.3');
    assert.notEqual(second.hostVeth, first.hostVeth);
    assert.equal((await smtpProbe(second.container, second.bridgeAddr, 25, SHORT)).code, 220);
    // Containers on one bridge reach each other, as on Docker's default bridge: the first one
    // runs no Postfix, so its port 25 answers with a reset.
    assert.equal((await smtpProbe(second.container, first.containerAddr, 25, SHORT)).kind, 'refused');
  });
});
