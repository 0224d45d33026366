// process: stop a known MTA's daemon by pid, where no service manager runs to stop it (a
// container). Only processes whose name the profile lists as a conflicting MTA are ever signalled
// — an unknown process is never killed, it is a finding for a human. Undo starts the daemon
// again with the command line it had.

import type { FromSchema } from 'json-schema-to-ts';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { mustRun, waitFor } from '../../exec/command.js';
import { parseSsListeners } from '../../facts/ss.js';
import { defineActionModule } from '../define.js';
import type { ModuleContext } from '../types.js';

const PID = { type: 'integer', minimum: 2 } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['pids', 'allowed_names'],
  properties: {
    pids: { type: 'array', items: PID },
    allowed_names: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Process names (comm) that may be stopped.' },
    wait_seconds: { type: 'integer', minimum: 1, maximum: 120, default: 10 },
  },
} as const;

/** A process as seen before it is stopped: enough to start it again the same way. */
const PROC_INFO = {
  type: 'object',
  additionalProperties: false,
  required: ['pid', 'alive', 'comm', 'argv', 'env', 'cwd'],
  properties: {
    pid: PID,
    alive: { type: 'boolean' },
    comm: { type: ['string', 'null'] },
    argv: { type: 'array', items: { type: 'string' } },
    env: { type: 'array', items: { type: 'string' } },
    cwd: { type: ['string', 'null'] },
    // The TCP ports it listened on: undo waits until it listens there again (journals written
    // before this field existed have none, and undo then waits for the process alone).
    ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
  },
} as const;

const PROCESSES = {
  type: 'object',
  additionalProperties: false,
  required: ['processes'],
  properties: { processes: { type: 'array', items: PROC_INFO } },
} as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['pids', 'wait'],
  properties: { pids: { type: 'array', minItems: 1, items: PID }, wait: { type: 'integer', minimum: 1 } },
} as const;

type ProcInfo = FromSchema<typeof PROC_INFO>;

/** Environment variables kept to restart a daemon; the rest (possibly secrets) is not journaled. */
const KEPT_ENV = /^(PATH|LD_LIBRARY_PATH|LD_PRELOAD|LANG|LC_[A-Z]+|HOME|TZ)=/;

async function readProc(ctx: ModuleContext, pid: number): Promise<ProcInfo> {
  const comm = (await ctx.fs.tryReadText(`/proc/${pid}/comm`).catch(() => null))?.trim() ?? null;
  if (comm === null) return { pid, alive: false, comm: null, argv: [], env: [], cwd: null };
  const split = (t: string | null): string[] => (t ?? '').split('\0').filter((x) => x !== '');
  const argv = split(await ctx.fs.tryReadText(`/proc/${pid}/cmdline`).catch(() => null));
  const env = split(await ctx.fs.tryReadText(`/proc/${pid}/environ`).catch(() => null)).filter((e) => KEPT_ENV.test(e));
  let cwd: string | null = null;
  try {
    const { readlink } = await import('node:fs/promises');
    cwd = await readlink(ctx.fs.resolve(`/proc/${pid}/cwd`));
  } catch {
    cwd = null;
  }
  const ports = [...new Set(ctx.facts.listeners.filter((l) => l.pid === pid).map((l) => l.port))].sort((a, b) => a - b);
  return { pid, alive: true, comm, argv, env, cwd, ports };
}

/** Ports nothing listens on yet (TCP, any address), from `ss -Hltn`. */
async function portsNotListening(ctx: ModuleContext, ports: readonly number[]): Promise<number[]> {
  if (ports.length === 0) return [];
  const r = await ctx.exec.run(['ss', '-Hltn'], { timeoutMs: 5_000 });
  const bound = new Set(parseSsListeners(r.stdout).map((l) => l.port));
  return ports.filter((p) => !bound.has(p));
}

export const processModule = defineActionModule({
  name: 'process',
  description: 'Stop a known MTA daemon by pid (SIGTERM, wait, verify); undo starts it again with its command line.',
  args: ARGS,
  data: DATA,
  restore: PROCESSES,

  async inspect(ctx, args) {
    const allowed = new Set(args.allowed_names);
    const processes = await Promise.all(args.pids.map((p) => readProc(ctx, p)));
    for (const p of processes) {
      if (p.alive && !allowed.has(p.comm ?? '')) throw new NotApplicable(`pid ${p.pid} is "${p.comm}", not a known MTA (${[...allowed].join(', ')}): it is never killed; a human must decide`);
    }
    return { processes };
  },

  diff(_ctx, args, state) {
    const procs = state.processes.filter((p) => p.alive);
    if (procs.length === 0) return null;
    const wait = args.wait_seconds;
    return {
      summary: `stop ${procs.map((p) => `${p.comm} (pid ${p.pid})`).join(', ')}`,
      diff: [...procs.map((p) => `~ kill -TERM ${p.pid}   (${p.comm}: ${p.argv.join(' ')})`), `~ wait up to ${wait} s for ${procs.length === 1 ? 'it' : 'them'} to exit`],
      data: { pids: procs.map((p) => p.pid), wait },
      intent: { stop: procs.map((p) => ({ pid: p.pid, comm: p.comm })) },
      restore: { processes: procs },
    };
  },

  async apply(ctx, _args, { data: { pids, wait } }) {
    for (const pid of pids) {
      const r = await ctx.exec.run(['kill', '-s', 'TERM', String(pid)], { timeoutMs: 5_000 });
      if (r.exitCode !== 0 && (await readProc(ctx, pid)).alive) throw new StepFailure(`could not signal pid ${pid}`, [r.stderr.trim()]);
    }
    const gone = await waitFor(async () => (await Promise.all(pids.map((p) => readProc(ctx, p)))).every((p) => !p.alive), wait * 1000, 100);
    if (!gone) throw new StepFailure(`still running ${wait} s after SIGTERM (not escalated to SIGKILL: a human should look)`, pids.map((p) => `pid ${p}`));
    return undefined;
  },

  async verify(ctx, _args, { data: { pids } }) {
    const now = await Promise.all(pids.map((p) => readProc(ctx, p)));
    return { ok: now.every((p) => !p.alive), evidence: now.map((p) => `pid ${p.pid}: ${p.alive ? `still running (${p.comm})` : 'gone'}`) };
  },

  async undo(ctx, { change }) {
    const before = change.restore.processes;
    const evidence: string[] = [];
    for (const p of before) {
      const now = await readProc(ctx, p.pid);
      if (now.alive && now.comm === p.comm) {
        evidence.push(`pid ${p.pid} (${p.comm}) is still running: nothing to restart`);
        continue;
      }
      if (p.argv.length === 0) throw new StepFailure(`cannot restart ${p.comm}: its command line was not recorded`);
      // `setsid -f` detaches the daemon from us; `env -i` gives it exactly the recorded environment.
      await mustRun(ctx.exec, ['setsid', '-f', 'env', '-i', ...(p.cwd ? [`--chdir=${p.cwd}`] : []), ...p.env, ...p.argv], `restart ${p.comm}`, { timeoutMs: 15_000, detached: true });
      evidence.push(`restarted ${p.comm}: ${p.argv.join(' ')}`);
    }
    const names = [...new Set(before.map((p) => p.comm).filter((c): c is string => c !== null))];
    const back = await waitFor(async () => (await Promise.all(names.map((n) => ctx.exec.run(['pgrep', '-x', '--', n], { timeoutMs: 5_000 })))).every((r) => r.exitCode === 0), 10_000, 200);
    if (!back) throw new StepFailure('the stopped daemon did not come back', evidence);
    // Back means serving again: a daemon forks, then binds; "as before" includes its ports.
    const ports = [...new Set(before.flatMap((p) => p.ports ?? []))];
    const listening = await waitFor(async () => (await portsNotListening(ctx, ports)).length === 0, 15_000, 200);
    if (!listening) throw new StepFailure(`the restarted daemon does not listen on port(s) ${(await portsNotListening(ctx, ports)).join(', ')} again`, evidence);
    if (ports.length > 0) evidence.push(`listening again on ${ports.join(', ')}`);
    return evidence;
  },
});
