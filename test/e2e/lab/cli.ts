import { existsSync } from 'node:fs';
import { cliBundlePath } from './cli-path.js';
import type { Host } from './host-types.js';

export { DEFAULT_CLI_BUNDLE, cliBundlePath } from './cli-path.js';

export interface CliOptions {
  input?: string;
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // stdout parsed as JSON, when it is JSON (e.g. with --json).
  json?: unknown;
  timedOut: boolean;
  ms: number;
}

// Runs the built CLI inside a host, as an operator on that server would: `node BUNDLE ...args`.
// A namespace host sees the bundle through its overlay root; an nspawn host has the package
// directory and the node binary bound in read-only at the same paths (see nspawn.ts).
export async function runCli(host: Host, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const bundle = cliBundlePath();
  if (!existsSync(bundle)) throw new Error(`CLI bundle ${bundle} not found: run \`npm run build\` (or set POSTFIX_FIX_BIN)`);
  const result = await host.exec([host.nodeBin, bundle, ...args], {
    input: opts.input,
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  const cli: CliResult = {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
    ms: result.ms,
  };
  const json = parseJson(result.stdout);
  if (json !== undefined) cli.json = json;
  return cli;
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}
