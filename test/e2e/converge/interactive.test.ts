// `run --interactive` on stacked causes, in a real terminal (tmux): the order of the layers is
// shown, each risky step is asked about — in a later round too, for what a fix revealed — and the
// run ends fixed, as a peer sees.
import assert from 'node:assert/strict';
import { LabHost, injectEximHolds25, injectIptablesBlock25, link, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { Tmux } from '../cli/tmux.js';
import { SITE_RUNBOOKS, injectStoppedInMaintenance } from './hidden-cause.js';

describe('e2e: run --interactive on stacked causes', function () {
  this.timeout(150_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  let tmux: Tmux;
  beforeEach(async () => {
    host = await LabHost.create({ name: 'stack-tty' });
    peer = await LabHost.create({ name: 'stack-tty-p', postfix: false });
    net = await link(host, peer);
    tmux = new Tmux();
  });
  afterEach(async () => {
    await tmux.kill();
    await peer?.destroy();
    await host?.destroy();
  });

  it('another MTA on 25 + a REJECT rule: shows the layer order, asks for each risky step, ends fixed', async () => {
    await injectEximHolds25(host);
    await injectIptablesBlock25(host, { action: 'reject' });
    await tmux.start(host, ['run', '--interactive', '--offline']);
    const first = await tmux.waitFor(/Apply step 3 \(medium risk\): stop exim4 .*\?/);
    assert.match(first, /Order \(lower layers first, each proven before the next\): port owner \(port-conflict\) → firewall \(firewall\)/);
    assert.match(first, /\[port owner\] port-conflict: /);
    await tmux.keys('Enter'); // yes
    const second = await tmux.waitFor(/Apply step 6 \(medium risk\): open 25\/tcp in iptables-nft\?/);
    assert.match(second, /verify port-conflict \(its own layer\)/);
    await tmux.keys('Enter');
    const done = await tmux.waitFor(/Fixed: changes applied and verified\./);
    assert.match(done, /End to end \(what clients see, once every runbook is done\): proven/);
    assert.equal(await tmux.waitExit(), 0);
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 3000)).kind, 'banner');
  });

  it('a cause revealed by round 1: round 2 is shown and its risky step asked about before it is applied', async () => {
    await injectStoppedInMaintenance(host, true);
    await tmux.start(host, ['run', '--interactive', '--offline', '--runbooks', SITE_RUNBOOKS]);
    const asked = await tmux.waitFor(/Apply step 2 \(medium risk\): smtpd_client_restrictions: reject → ; smtpd_delay_reject: no → yes; then restart Postfix if running\?/, 60_000);
    assert.match(asked, /Diagnosed again after round 1: \d problem\(s\) left: .*\(smtp-banner-rejects\)/);
    assert.match(asked, /Round 2 — what the fixes so far revealed \(smtp-banner-rejects\); in order: greeting \(end-maintenance\)/);
    await tmux.keys('Enter');
    await tmux.waitFor(/Fixed: changes applied and verified\./, 60_000);
    assert.equal(await tmux.waitExit(), 0);
    const seen = await smtpProbe(peer, net.aAddr, 25, 3000);
    assert.equal(seen.kind, 'banner', JSON.stringify(seen));
  });
});
