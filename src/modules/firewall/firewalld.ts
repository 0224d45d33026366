// firewalld: the port's standard service (smtp, smtp-submission, smtps — checked with
// --info-service to carry exactly that port) or `--add-port=N/tcp`, in the zone each outside
// interface is in (its bound zone, else the default zone), twice: runtime, so the port opens now,
// and --permanent, so it survives a reload or reboot.
//
// Never `--reload` to turn the permanent change into a runtime one: measured in a lab host, a
// reload drops every runtime-only rule (a `--add-port=2525/tcp` made without --permanent was gone
// after it) — another admin's or fail2ban's. Runtime and permanent are each changed directly.
//
// Undo removes exactly what we added from each (runtime and permanent separately, so a side that
// already had it keeps it). firewalld writes /etc/firewalld/zones/ZONE.xml (and a .xml.old backup)
// on a permanent change, even when the zone was the vendor default before; when the zone's
// permanent settings are back to what they were, undo puts those files back as they were too
// (`--load-zone-defaults` when there was no file, which is how firewalld itself removes it).

import type { JsonObject } from '../../engine/catalog/types.js';
import { parseNftJson } from '../../facts/firewall/nft-json.js';
import { evaluateNftInput } from '../../facts/firewall/nft-eval.js';
import type { FirewallBackend } from '../../facts/types.js';
import { NotApplicable, StepFailure, describeResult, mustRun } from '../command.js';
import { restoreSnapshot, snapshotFile } from '../file-snapshot.js';
import type { FileSnapshot } from '../file-snapshot.js';
import type { ModuleContext } from '../types.js';
import { normaliseRuleset } from './nftables.js';
import type { BackendPlan, FirewallBackendOps, InspectEnv, OutsideIface, PortVerdict } from './types.js';

const TIMEOUT_MS = 30_000;
/** The standard services for the mail ports, used when they carry exactly that port. */
const STANDARD_SERVICES: Readonly<Record<number, string>> = { 25: 'smtp', 587: 'smtp-submission', 465: 'smtps' };

interface ZoneSettings extends JsonObject {
  services: string[];
  ports: string[];
  /** `--list-all` as printed: compared before undo touches the zone's files. */
  text: string;
}

interface ZoneState extends JsonObject {
  zone: string;
  ifaces: string[];
  runtime: ZoneSettings;
  permanent: ZoneSettings;
  file: FileSnapshot;
  old: FileSnapshot;
  /** A vendor definition exists (/usr/lib/firewalld/zones/ZONE.xml): `--load-zone-defaults` works. */
  vendor: boolean;
}

interface FirewalldState extends JsonObject {
  defaultZone: string;
  zones: ZoneState[];
  /** Port → the standard service that carries exactly it here. */
  services: { [port: string]: string };
  /** nft ruleset (normalised) when firewalld runs on nftables: its runtime verdict is walked. */
  nft: string | null;
}

export interface FirewalldAddition extends JsonObject {
  zone: string;
  port: number;
  /** `service:smtp` or `port:25/tcp`. */
  item: string;
  runtime: boolean;
  permanent: boolean;
}

interface FirewalldData extends JsonObject {
  additions: FirewalldAddition[];
  /** Per zone touched permanently: its settings and files before (undo restores them). */
  zones: Array<{ zone: string; permanentText: string; file: FileSnapshot; old: FileSnapshot; vendor: boolean }>;
}

/** `firewall-cmd --list-all` → services and ports. */
export function parseListAll(text: string): { services: string[]; ports: string[] } {
  const field = (name: string): string[] => {
    const m = new RegExp(`^\\s*${name}:[ \\t]*(.*)$`, 'm').exec(text);
    return m ? (m[1] as string).trim().split(/\s+/).filter(Boolean) : [];
  };
  return { services: field('services'), ports: field('ports') };
}

/** Does the zone's service or port list let `port/tcp` in (ranges like 20-30/tcp count)? */
function has(settings: ZoneSettings, item: string): boolean {
  const [kind, value] = item.split(':') as [string, string];
  return kind === 'service' ? settings.services.includes(value) : settings.ports.includes(value);
}

function coversPort(settings: ZoneSettings, port: number, services: FirewalldState['services']): boolean {
  if (Object.entries(services).some(([p, s]) => Number(p) === port && settings.services.includes(s))) return true;
  return settings.ports.some((p) => {
    const m = /^(\d+)(?:-(\d+))?\/tcp$/.exec(p);
    return m !== null && port >= Number(m[1]) && port <= Number(m[2] ?? m[1]);
  });
}

const flag = (item: string): string => {
  const [kind, value] = item.split(':') as [string, string];
  return kind === 'service' ? `service=${value}` : `port=${value}`;
};

const cmd = (a: { zone: string; item: string }, verb: 'add' | 'remove' | 'query', permanent: boolean): string[] => ['firewall-cmd', ...(permanent ? ['--permanent'] : []), `--zone=${a.zone}`, `--${verb}-${flag(a.item)}`];

async function fc(ctx: ModuleContext, argv: string[], what: string): Promise<string> {
  const r = await ctx.exec.run(argv, { timeoutMs: TIMEOUT_MS });
  if (r.exitCode !== 0) throw new StepFailure(`${what} failed`, describeResult(r));
  return r.stdout;
}

async function query(ctx: ModuleContext, a: { zone: string; item: string }, permanent: boolean): Promise<boolean> {
  const r = await ctx.exec.run(cmd(a, 'query', permanent), { timeoutMs: TIMEOUT_MS });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new StepFailure('firewall-cmd query failed', describeResult(r));
  return r.stdout.trim() === 'yes';
}

async function readZone(ctx: ModuleContext, zone: string, ifaces: string[]): Promise<ZoneState> {
  const [rt, pm, file, old, vendor] = await Promise.all([
    fc(ctx, ['firewall-cmd', `--zone=${zone}`, '--list-all'], `firewall-cmd --zone=${zone} --list-all`),
    fc(ctx, ['firewall-cmd', '--permanent', `--zone=${zone}`, '--list-all'], `firewall-cmd --permanent --zone=${zone} --list-all`),
    snapshotFile(ctx.fs, `/etc/firewalld/zones/${zone}.xml`),
    snapshotFile(ctx.fs, `/etc/firewalld/zones/${zone}.xml.old`),
    ctx.fs.exists(`/usr/lib/firewalld/zones/${zone}.xml`),
  ]);
  return { zone, ifaces, runtime: { ...parseListAll(rt), text: rt }, permanent: { ...parseListAll(pm), text: pm }, file, old, vendor };
}

/** Pure: per zone and port, what to add at runtime and permanently. */
export function planFirewalld(st: FirewalldState, ports: number[], outside: OutsideIface[]): FirewalldAddition[] {
  const rs = st.nft ? parseNftJson(st.nft) : null;
  const out: FirewalldAddition[] = [];
  for (const z of st.zones) {
    for (const port of ports) {
      const service = st.services[String(port)];
      const item = service ? `service:${service}` : `port:${port}/tcp`;
      const ifaces = outside.filter((o) => z.ifaces.includes(o.name));
      const verdicts = rs ? (ifaces.length ? ifaces : [{ name: '(outside)', v4: [], v6: [] }]).map((i) => evaluateNftInput(rs, 'firewalld', { iface: i.name, dport: port, dstAddrs: i.v4 })) : [];
      const blocked = rs ? verdicts.some((d) => d.verdict === 'drop' || d.verdict === 'reject') : !coversPort(z.runtime, port, st.services);
      const unknown = verdicts.find((d) => d.verdict === 'unknown');
      if (unknown && !blocked) throw new StepFailure(`cannot tell whether firewalld lets ${port}/tcp through in zone ${z.zone}`, [unknown.detail]);
      const runtime = blocked;
      if (runtime && has(z.runtime, item)) {
        // The zone already lists it and still blocks: a rich rule or the zone's target decides first.
        throw new NotApplicable(`firewalld zone ${z.zone} already allows ${item.replace(':', ' ')} yet blocks ${port}/tcp (${verdicts.find((d) => d.verdict !== 'allow')?.detail ?? 'rich rule or zone target'}); that needs a decision about the zone`);
      }
      // Open now but only at runtime (lost at the next reload): make it permanent too.
      const permanent = !coversPort(z.permanent, port, st.services) && (runtime || has(z.runtime, item));
      if (runtime || permanent) out.push({ zone: z.zone, port, item, runtime, permanent });
    }
  }
  return out;
}

export function firewalldBackend(): FirewallBackendOps {
  const name: FirewallBackend = 'firewalld';
  return {
    name,
    frontend: true,

    async inspect(ctx, env: InspectEnv) {
      const defaultZone = (await fc(ctx, ['firewall-cmd', '--get-default-zone'], 'firewall-cmd --get-default-zone')).trim();
      const byZone = new Map<string, string[]>();
      const zoneOf = await Promise.all(
        env.outside.map(async (o) => {
          const r = await ctx.exec.run(['firewall-cmd', `--get-zone-of-interface=${o.name}`], { timeoutMs: TIMEOUT_MS });
          return { iface: o.name, zone: r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : defaultZone };
        }),
      );
      if (zoneOf.length === 0) byZone.set(defaultZone, []);
      for (const z of zoneOf) byZone.set(z.zone, [...(byZone.get(z.zone) ?? []), z.iface]);
      const zones = await Promise.all([...byZone].map(([zone, ifaces]) => readZone(ctx, zone, ifaces)));
      const services: FirewalldState['services'] = {};
      await Promise.all(
        env.ports.map(async (port) => {
          const s = STANDARD_SERVICES[port];
          if (!s) return;
          const r = await ctx.exec.run(['firewall-cmd', `--info-service=${s}`], { timeoutMs: TIMEOUT_MS });
          const ports = /^\s*ports:[ \t]*(.*)$/m.exec(r.stdout)?.[1]?.trim().split(/\s+/) ?? [];
          if (r.exitCode === 0 && ports.length === 1 && ports[0] === `${port}/tcp`) services[String(port)] = s;
        }),
      );
      const nftR = ctx.exec.has('nft') ? await ctx.exec.run(['nft', '-j', 'list', 'ruleset'], { timeoutMs: TIMEOUT_MS }) : null;
      const nft = nftR && nftR.exitCode === 0 ? normaliseRuleset(nftR.stdout) : null;
      const hasTable = nft !== null && parseNftJson(nft).tables.some((t) => t.owner === 'firewalld');
      const state: FirewalldState = { defaultZone, zones, services, nft: hasTable ? nft : null };
      return state;
    },

    verdicts(raw, env): PortVerdict[] {
      const st = raw as FirewalldState;
      const rs = st.nft ? parseNftJson(st.nft) : null;
      const out: PortVerdict[] = [];
      for (const z of st.zones) {
        const ifaces = env.outside.filter((o) => z.ifaces.includes(o.name));
        for (const port of env.ports) {
          for (const i of ifaces.length ? ifaces : [{ name: '(outside)', v4: [], v6: [] }]) {
            if (rs) {
              const d = evaluateNftInput(rs, 'firewalld', { iface: i.name, dport: port, dstAddrs: i.v4 });
              out.push({ backend: name, port, iface: i.name, family: 4, verdict: d.verdict, detail: `zone ${z.zone}: ${d.detail}` });
            } else {
              const open = coversPort(z.runtime, port, st.services);
              out.push({ backend: name, port, iface: i.name, family: 4, verdict: open ? 'allow' : 'unknown', detail: `zone ${z.zone}: ${open ? 'listed in its services/ports' : 'not listed; firewalld is not on nftables, so its rules cannot be walked'}` });
            }
          }
        }
      }
      return out;
    },

    plan(raw, env, pc) {
      const st = raw as FirewalldState;
      const additions = planFirewalld(st, pc.ports, env.outside);
      if (additions.length === 0) return null;
      const diff: string[] = [];
      for (const a of additions) {
        if (a.runtime) diff.push(`+ ${cmd(a, 'add', false).join(' ')}   (runtime: ${a.port}/tcp opens now)`);
        if (a.permanent) diff.push(`~ ${cmd(a, 'add', true).join(' ')}   (permanent: kept across reload and reboot; no --reload, which would drop runtime-only rules)`);
        if (a.runtime && !a.permanent) diff.push(`# note: zone ${a.zone} already has ${a.item.replace(':', ' ')} permanently, but not at runtime (a --permanent change never reloaded)`);
      }
      const touched = [...new Set(additions.filter((a) => a.permanent).map((a) => a.zone))];
      const data: FirewalldData = {
        additions,
        zones: st.zones.filter((z) => touched.includes(z.zone)).map((z) => ({ zone: z.zone, permanentText: z.permanent.text, file: z.file, old: z.old, vendor: z.vendor })),
      };
      const plan: BackendPlan = {
        backend: name,
        opens: [...new Set(additions.map((a) => a.port))],
        diff,
        data,
        intent: additions,
        restore: { zones: data.zones },
      };
      return plan;
    },

    async apply(ctx, plan) {
      const d = plan.data as FirewalldData;
      for (const a of d.additions) {
        if (a.runtime && !(await query(ctx, a, false))) await mustRun(ctx.exec, cmd(a, 'add', false), cmd(a, 'add', false).join(' '), { timeoutMs: TIMEOUT_MS });
        if (a.permanent && !(await query(ctx, a, true))) await mustRun(ctx.exec, cmd(a, 'add', true), cmd(a, 'add', true).join(' '), { timeoutMs: TIMEOUT_MS });
      }
      return null;
    },

    async undo(ctx, plan) {
      const d = plan.data as FirewalldData;
      const evidence: string[] = [];
      for (const a of [...d.additions].reverse()) {
        for (const permanent of [false, true]) {
          if (!(permanent ? a.permanent : a.runtime)) continue;
          const argv = cmd(a, 'remove', permanent);
          if (!(await query(ctx, a, permanent))) {
            evidence.push(`${argv.join(' ')}: not there (nothing to remove)`);
            continue;
          }
          await mustRun(ctx.exec, argv, argv.join(' '), { timeoutMs: TIMEOUT_MS });
          evidence.push(`${argv.join(' ')}: removed`);
        }
      }
      for (const z of d.zones) evidence.push(...(await restoreZoneFiles(ctx, z)));
      return evidence;
    },

    async check(ctx, plan) {
      const d = plan.data as FirewalldData;
      const evidence: string[] = [];
      let present = 0;
      let total = 0;
      for (const a of d.additions) {
        for (const permanent of [false, true]) {
          if (!(permanent ? a.permanent : a.runtime)) continue;
          const here = await query(ctx, a, permanent);
          total++;
          if (here) present++;
          evidence.push(`firewalld zone ${a.zone}${permanent ? ' (permanent)' : ' (runtime)'}: ${a.item.replace(':', ' ')} ${here ? 'present' : 'MISSING'}`);
        }
      }
      return { present, total, evidence };
    },
  };
}

/** The zone's files as they were, once its permanent settings are as they were (else leave them). */
async function restoreZoneFiles(ctx: ModuleContext, z: FirewalldData['zones'][number]): Promise<string[]> {
  const now = await fc(ctx, ['firewall-cmd', '--permanent', `--zone=${z.zone}`, '--list-all'], `firewall-cmd --permanent --zone=${z.zone} --list-all`);
  if (now !== z.permanentText) return [`zone ${z.zone}: its permanent settings changed since (not by us); left its files as firewalld wrote them`];
  const out: string[] = [];
  const file = await snapshotFile(ctx.fs, z.file.path);
  if (!z.file.exists && file.exists && z.vendor) {
    // firewalld's own way back to the vendor zone: it drops the file (keeping it as .xml.old).
    await mustRun(ctx.exec, ['firewall-cmd', '--permanent', `--load-zone-defaults=${z.zone}`], `firewall-cmd --permanent --load-zone-defaults=${z.zone}`, { timeoutMs: TIMEOUT_MS });
    out.push(`zone ${z.zone}: back to the vendor defaults (${z.file.path} removed, as before)`);
  } else if (z.file.exists && file.sha256 !== z.file.sha256) {
    await restoreSnapshot(ctx.fs, z.file);
    out.push(`${z.file.path}: restored byte for byte (same settings, firewalld had rewritten it)`);
  }
  const old = await snapshotFile(ctx.fs, z.old.path);
  if (old.exists !== z.old.exists || old.sha256 !== z.old.sha256) {
    await restoreSnapshot(ctx.fs, z.old);
    out.push(`${z.old.path}: ${z.old.exists ? 'restored byte for byte' : 'removed (firewalld\'s backup of our change)'}`);
  }
  return out;
}
