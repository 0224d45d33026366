// Lab plumbing for the firewall module's real tests: a namespace host with Postfix on 25 and 587
// and a peer on a veth, a ModuleContext whose executor and files are that host's, and dumps of
// everything a firewall change could touch, to compare byte for byte.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../../../../src/exec/audit.js';
import { createExecutor } from '../../../../src/exec/executor.js';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import type { Executor } from '../../../../src/core/exec.js';
import { gatherFacts } from '../../../../src/facts/gather.js';
import type { ModuleContext } from '../../../../src/modules/types.js';
import { LabHost, link, pollUntil, smtpProbe } from '../../../e2e/lab/index.js';
import { normaliseIptablesSave, normaliseNft } from '../../../e2e/lab/snapshot.js';
import type { ProbeKind } from '../../../e2e/lab/index.js';
import { baseFacts, debianProfile } from '../../helpers/context.js';
import { dialSmtp } from '../../../../src/exec/dial.js';

export const PORTS = [25, 587] as const;
/** Long enough to tell a DROP (no answer) from an answer (a banner takes ~10 ms here). */
const PROBE_MS = 1_500;

/** Which frontend's own view (Python tools, ~0.3 s a call) the dumps include besides the rulesets. */
export type Frontend = 'ufw' | 'firewalld' | null;

export interface Pair {
  server: LabHost;
  peer: LabHost;
  /** The server's address on the peer's link. */
  addr: string;
  frontend: Frontend;
}

/** Postfix's submission service on 587, so both mail ports have a listener to greet the peer. */
async function enableSubmission(host: LabHost): Promise<void> {
  await host.execOk(['postconf', '-M', 'submission/inet=submission inet n - n - - smtpd']);
  await host.execOk(['postfix', 'reload']);
  await pollUntil(async () => ((await smtpProbe(host, '127.0.0.1', 587, 500)).kind === 'banner' ? true : undefined), { timeoutMs: 10_000, intervalMs: 100, what: `${host.name}: banner on 587` });
}

export async function makePair(name: string, frontend: Frontend = null): Promise<Pair> {
  const [server, peer] = await Promise.all([LabHost.create({ name: `${name}s` }), LabHost.create({ name: `${name}p`, postfix: false })]);
  const { aAddr } = await link(server, peer);
  await enableSubmission(server);
  return { server, peer, addr: aAddr, frontend };
}

/**
 * The module's context aimed at the host: the same code as production, entered through nsenter.
 * The module re-reads the firewall live and never trusts facts for it, so `realFacts` (the full
 * gathering, ~1 s) is only needed where a test compares with what facts say.
 */
export async function labContext(host: LabHost, opts: { wrap?: (e: Executor) => Executor; realFacts?: boolean } = {}): Promise<ModuleContext> {
  const root = `/proc/${host.pid}/root`;
  const direct = createExecutor({ audit: new AuditLog(), prefix: ['nsenter', '-t', String(host.pid), '-m', '-u', '-i', '-n', '-p', '--'], root });
  const exec = opts.wrap ? opts.wrap(direct) : direct;
  const fs = createHostFs(root);
  const profile = debianProfile();
  const facts = opts.realFacts ? await gatherFacts({ exec, fs, profile, dialer: dialSmtp, deadline: Date.now() + 15_000 }) : baseFacts();
  return { exec, fs, facts, profile, dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir: null };
}

/** An executor that dies (throws, as a killed process would stop) at the Nth command `when` matches. */
export function crashAt(n: number, when: (argv: readonly string[]) => boolean): (e: Executor) => Executor {
  return (inner) => {
    let seen = 0;
    return {
      has: (p) => inner.has(p),
      async run(argv, options) {
        if (when(argv) && ++seen === n) throw new Error(`simulated crash before: ${argv.join(' ')}`);
        return inner.run(argv, options);
      },
    };
  };
}

export async function probes(p: Pair): Promise<Record<number, ProbeKind>> {
  const out: Record<number, ProbeKind> = {};
  await Promise.all(PORTS.map(async (port) => void (out[port] = (await smtpProbe(p.peer, p.addr, port, PROBE_MS)).kind)));
  return out;
}

function treeHashes(root: string, dir: string): string {
  let st;
  try {
    st = statSync(join(root, dir));
  } catch {
    return `${dir}: absent\n`;
  }
  if (!st.isDirectory()) return `${dir} ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(join(root, dir))).digest('hex')}\n`;
  return readdirSync(join(root, dir))
    .sort()
    .map((n) => treeHashes(root, join(dir, n)))
    .join('');
}

/**
 * Everything a firewall fix could touch, as text: iptables (nft and legacy, IPv4 and IPv6), the nft
 * ruleset, the frontend's own view (ufw status, firewalld's runtime and permanent zones), main.cf,
 * master.cf, the listening sockets, and the config files (content hashes and modes). Only packet
 * and byte counters are normalised away (and -save's timestamp comments).
 */
export async function dumps(p: Pair): Promise<Record<string, string>> {
  const host = p.server;
  const text = async (argv: string[], normalise: (s: string) => string = (s) => s): Promise<string> => {
    const r = await host.exec(argv, { timeoutMs: 30_000 });
    return `${normalise(r.stdout)}${r.code === 0 ? '' : `(exit ${r.code}) ${r.stderr.trim()}`}`;
  };
  const commands: Record<string, Promise<string>> = {
    iptablesSave: text(['iptables-nft-save'], normaliseIptablesSave),
    ip6tablesSave: text(['ip6tables-nft-save'], normaliseIptablesSave),
    iptablesLegacySave: text(['iptables-legacy-save'], normaliseIptablesSave),
    ip6tablesLegacySave: text(['ip6tables-legacy-save'], normaliseIptablesSave),
    nftRuleset: text(['nft', 'list', 'ruleset'], normaliseNft),
    mainCf: host.readFile('/etc/postfix/main.cf'),
    masterCf: host.readFile('/etc/postfix/master.cf'),
    // Which smtpd processes share a listening socket changes with every connection (idle ones
    // linger); the sockets themselves are what a firewall change must leave alone.
    listeners: text(['ss', '-H', '-l', '-t', '-n'], (s) => s.split('\n').map((l) => l.split(/\s+/).slice(0, 5).join(' ')).sort().join('\n')),
    files: Promise.resolve(['/etc/nftables.conf', '/etc/iptables', '/etc/ufw', '/etc/firewalld'].map((f) => treeHashes(host.root, f)).join('')),
    ...(p.frontend === 'ufw' ? { ufwStatus: text(['ufw', 'status', 'verbose']) } : {}),
    ...(p.frontend === 'firewalld' ? { firewalldRuntime: text(['firewall-cmd', '--list-all-zones']), firewalldPermanent: text(['firewall-cmd', '--permanent', '--list-all-zones']) } : {}),
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(commands)) out[k] = await v;
  return out;
}

/** Lines added and removed, as multisets (order-insensitive, duplicates counted). */
export function lineDiff(before: string, after: string): { added: string[]; removed: string[] } {
  const count = new Map<string, number>();
  for (const l of before.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of after.split('\n')) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else added.push(l);
  }
  const removed = [...count].flatMap(([l, n]) => Array<string>(n).fill(l));
  return { added, removed };
}

/** Every dump is unchanged except for added lines that `ours(field, line)` recognises; returns them. */
export function assertOnlyOurs(before: Record<string, string>, after: Record<string, string>, ours: (field: string, line: string) => boolean, skip: string[] = []): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  for (const field of Object.keys(before)) {
    if (skip.includes(field)) continue;
    const d = lineDiff(before[field] ?? '', after[field] ?? '');
    assert.deepEqual(d.removed, [], `${field}: nothing may disappear`);
    const foreign = d.added.filter((l) => !ours(field, l));
    assert.deepEqual(foreign, [], `${field}: only our rules may appear`);
    if (d.added.length) seen[field] = d.added;
  }
  return seen;
}
