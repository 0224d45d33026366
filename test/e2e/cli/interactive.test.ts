// `run --interactive` in a real terminal: tmux runs the CLI inside a lab host, send-keys answers
// the prompts, capture-pane reads the screen — what a sysadmin at a terminal sees and types.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabHost, PID_AND_LISTENERS, cliBundlePath, injectForeignMasterLock, link, pollUntil, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';

const run = promisify(execFile);

class Tmux {
  // A private server socket in a scratch dir, removed afterwards: nothing left in /tmp/tmux-0.
  private readonly dir = mkdtempSync(join(tmpdir(), 'pf-tmux-'));
  readonly socket = join(this.dir, 'sock');
  readonly exitFile = join(this.dir, 'exit-status');
  async start(host: Host, args: string[]): Promise<void> {
    // The CLI runs inside the lab host's namespaces, attached to tmux's pseudo-terminal.
    const argv = ['nsenter', '-t', String(host.pid), '-m', '-u', '-i', '-n', '-p', '--', 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm-256color', 'HOME=/root', host.nodeBin, cliBundlePath(), ...args];
    // The exit status goes to a file: tmux's own pane_dead_status is not always filled in when the
    // pane is seen dead (seen in CI), and a guess would be a wrong answer.
    const recorded = ['sh', '-c', '"$@"; echo "$?" > "$0"', this.exitFile, ...argv];
    await run('tmux', ['-S', this.socket, 'new-session', '-d', '-x', '160', '-y', '50', '-s', 'pf', ...recorded]);
    await run('tmux', ['-S', this.socket, 'set-option', '-t', 'pf', 'remain-on-exit', 'on']);
  }
  async screen(): Promise<string> {
    return (await run('tmux', ['-S', this.socket, 'capture-pane', '-p', '-t', 'pf', '-S', '-200'])).stdout;
  }
  async keys(...keys: string[]): Promise<void> {
    await run('tmux', ['-S', this.socket, 'send-keys', '-t', 'pf', ...keys]);
  }
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    return pollUntil(async () => {
      const s = await this.screen();
      return re.test(s) ? s : undefined;
    }, { timeoutMs, what: `screen to show ${re}` }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n--- screen ---\n${await this.screen()}`);
    });
  }
  async exitStatus(): Promise<number | null> {
    try {
      const text = readFileSync(this.exitFile, 'utf8');
      return text.endsWith('\n') ? Number(text.trim()) : null;
    } catch {
      return null;
    }
  }
  async waitExit(): Promise<number> {
    return pollUntil(async () => (await this.exitStatus()) ?? undefined, { timeoutMs: 15_000, what: 'the CLI to exit' });
  }
  async kill(): Promise<void> {
    await run('tmux', ['-S', this.socket, 'kill-server']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

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
