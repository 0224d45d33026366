// `diagnose --json --offline` on a lab host, and the part of its report these tests read.
import assert from 'node:assert/strict';
import { runCli } from '../lab/index.js';
import type { Host } from '../lab/index.js';

export interface Finding {
  check: string;
  status: string;
  cause?: string;
  title: string;
  evidence: string[];
}

export interface Report {
  exitCode: number;
  status: string;
  topCause: { cause: string; title: string; evidence: string[]; command: string | null; fixedBy: string[]; human?: { reason: string; steps: string[] } } | null;
  findings: Finding[];
  client?: { address: string | null; ports: number[]; portsGiven: boolean; via: string | null };
}

export async function diagnose(host: Host, args: readonly string[] = []): Promise<{ code: number; report: Report }> {
  const r = await runCli(host, ['diagnose', '--json', '--offline', ...args]);
  assert.ok(r.json, `diagnose --json printed no JSON: ${r.stderr}\n${r.stdout}`);
  return { code: r.code, report: r.json as Report };
}
