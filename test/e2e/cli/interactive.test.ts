// `run --interactive` in a real terminal: tmux runs the CLI inside a lab host, send-keys answers
// the prompts, capture-pane reads the screen — what a sysadmin at a terminal sees and types.
import assert from 'node:assert/strict';
import { LabHost, PID_AND_LISTENERS, injectForeignMasterLock, link, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { Tmux } from './tmux.js';

describe('e2e: run --interactive in a terminal', function () {
  this.timeout(120_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  let tmux: Tmux;
  beforeEach(async () => {
    host = await LabHost.create({ name: 'interactive' });
    peer = await LabHost.create({ name: 'interactive-peer', postfix: false });
    net = await link(host, peer);
    await injectForeignMasterLock(host); // the fix needs a medium-risk step: it must ask
    tmux = new Tmux();
  });
  afterEach(async () => {
    await tmux.kill();
    await peer?.destroy();
    await host?.destroy();
  });

  it('asks before the medium-risk step, shows details on request, applies on yes', async () => {
    await tmux.start(host, ['run', '--interactive', '--offline']);
    const asked = await tmux.waitFor(/Apply step \d+ \(medium risk\): remove \/var\/spool\/postfix\/pid\/master\.pid\?/);
    assert.match(asked, /yes — apply it/);
    assert.match(asked, /abort — roll back everything this run applied/);
    await tmux.keys('Down', 'Down', 'Down', 'Enter'); // details
    const details = await tmux.waitFor(/undo: file module restores the state recorded in the journal/);
    assert.match(details, /- \/var\/spool\/postfix\/pid\/master\.pid/);
    await tmux.waitFor(/Apply step \d+ \(medium risk\)/);
    await tmux.keys('Enter'); // yes (the first choice)
    const done = await tmux.waitFor(/Fixed: changes applied and verified\./);
    assert.match(done, /Undo with: postfix-fix rollback \d{8}T\d{6}Z-[0-9a-f]{4}/);
    assert.equal(await tmux.waitExit(), 0);
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 3000)).kind, 'banner');
  });

  it('abort rolls back what ran and leaves the host as it was', async () => {
    const before = (await host.exec(PID_AND_LISTENERS)).stdout;
    await tmux.start(host, ['run', '--interactive', '--offline']);
    await tmux.waitFor(/Apply step \d+ \(medium risk\)/);
    await tmux.keys('Down', 'Down', 'Enter'); // abort
    const screen = await tmux.waitFor(/Aborted: everything this run applied was rolled back\./);
    assert.match(screen, /Aborted: aborted by the operator/);
    assert.equal((await host.exec(PID_AND_LISTENERS)).stdout, before);
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 2000)).kind, 'refused');
    assert.equal(await tmux.waitExit(), 3);
  });

  it('Ctrl-C at the prompt interrupts the run: rolled back, exit 130', async () => {
    const before = (await host.exec(PID_AND_LISTENERS)).stdout;
    await tmux.start(host, ['run', '--interactive', '--offline']);
    await tmux.waitFor(/Apply step \d+ \(medium risk\)/);
    await tmux.keys('C-c');
    const screen = await tmux.waitFor(/Interrupted: everything this run applied was rolled back\./);
    assert.match(screen, /Failed: interrupted by SIGINT/);
    assert.equal((await host.exec(PID_AND_LISTENERS)).stdout, before);
    assert.equal(await tmux.waitExit(), 130);
  });

  it('SIGTERM while the prompt waits does not wait for an answer: rolled back, exit 130', async () => {
    const before = (await host.exec(PID_AND_LISTENERS)).stdout;
    await tmux.start(host, ['run', '--interactive', '--offline']);
    await tmux.waitFor(/Apply step \d+ \(medium risk\)/);
    await host.execOk(['pkill', '-TERM', '-f', 'postfix-fix.cjs run']);
    const screen = await tmux.waitFor(/Interrupted: everything this run applied was rolled back\./);
    assert.match(screen, /Failed: interrupted by SIGTERM/);
    assert.equal((await host.exec(PID_AND_LISTENERS)).stdout, before);
    assert.equal(await tmux.waitExit(), 130);
  });
});
