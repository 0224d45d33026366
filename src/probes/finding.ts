// Finding constructors, so every probe states status, cause and evidence the same way. A non-ok
// finding always names a cause from the registry; its title defaults to the cause's title.

import { CAUSES } from './causes.js';
import type { Finding } from './types.js';

export function ok(check: string, title: string, evidence: string[] = []): Finding {
  return { check, status: 'ok', title, evidence, fixedBy: [] };
}

export function unknown(check: string, title: string, evidence: string[] = []): Finding {
  return { check, status: 'unknown', title, evidence, fixedBy: [] };
}

export function problem(
  status: 'warn' | 'fail',
  check: string,
  cause: string,
  evidence: string[],
  options: { title?: string; human?: Finding['human'] } = {},
): Finding {
  const info = CAUSES[cause];
  if (!info) throw new Error(`probe ${check} names unknown cause ${cause}`);
  return {
    check,
    status,
    cause,
    title: options.title ?? info.title,
    evidence,
    fixedBy: [],
    ...(options.human ? { human: options.human } : {}),
  };
}

export function causeRank(cause: string | undefined): number {
  return cause ? (CAUSES[cause]?.rank ?? 1000) : 1000;
}
