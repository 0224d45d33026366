// A real terminal for the CLI: tmux runs it inside a lab host, send-keys types, capture-pane
// reads the screen — what a sysadmin at a terminal sees and types.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliBundlePath, pollUntil } from '../lab/index.js';
import type { Host } from '../lab/index.js';

const run = promisify(execFile);

export class Tmux {
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
