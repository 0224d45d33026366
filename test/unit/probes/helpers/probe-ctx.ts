// Probe contexts for unit tests: facts as given, a scripted executor, a HostFs over a scratch
// root (or an empty one), a scripted dialer, and a deadline far enough away.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { debianProfile } from '../../helpers/context.js';
import { fakeExec } from './fake-exec.js';
import type { HostFs } from '../../../../src/core/host-fs.js';
import type { Executor } from '../../../../src/core/exec.js';
import type { Facts } from '../../../../src/facts/types.js';
import type { DialOptions, DialResult, Dialer } from '../../../../src/core/dial.js';
import type { ProbeContext, ProbeSettings } from '../../../../src/probes/types.js';

export interface CtxOptions {
  exec?: Executor;
  fs?: HostFs;
  dialer?: Dialer;
  isRoot?: boolean;
  settings?: ProbeSettings;
  deadlineMs?: number;
}

export function emptyRoot(): HostFs {
  return createHostFs(mkdtempSync(join(tmpdir(), 'pf-probe-root-')));
}

export function probeCtx(facts: Facts, o: CtxOptions = {}): ProbeContext {
  return {
    exec: o.exec ?? fakeExec([]),
    fs: o.fs ?? emptyRoot(),
    facts,
    profile: debianProfile(),
    deadline: Date.now() + (o.deadlineMs ?? 5_000),
    isRoot: o.isRoot ?? true,
    settings: o.settings ?? { offline: true, outboundDomain: 'example.test' },
    dialer: o.dialer ?? fakeDialer({}),
  };
}

/** Dial outcomes by `host:port`; anything not listed is refused. Records what was dialled. */
export function fakeDialer(outcomes: Record<string, Partial<DialResult>>, dialled: Array<{ host: string; port: number; options: DialOptions }> = []): Dialer {
  return async (host, port, options) => {
    dialled.push({ host, port, options });
    const o = outcomes[`${host}:${port}`] ?? { outcome: 'refused', detail: 'ECONNREFUSED' };
    return { outcome: 'refused', host, port, ms: 3, ...o };
  };
}

export const BANNER: Partial<DialResult> = { outcome: 'banner', code: 220, banner: '220 mx1.example.test ESMTP Postfix', ehlo: ['PIPELINING', 'SIZE 10240000', 'STARTTLS', '8BITMIME'] };
