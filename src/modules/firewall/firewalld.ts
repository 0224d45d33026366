// firewalld: the port's standard service (smtp, smtp-submission, smtps — checked in its
// definition to carry exactly that port) or `--add-port=N/tcp`, in the zone each outside
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

import type { FromSchema } from 'json-schema-to-ts';
import { parseNftJson } from '../../facts/firewall/nft-json.js';
import { traceNftInput } from '../../facts/firewall/nft-eval.js';
import type { FirewallBackend } from '../../core/profile.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { describeResult } from '../../exec/command.js';
import { NO_DATA } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, restoreSnapshot, snapshotFile } from '../file-snapshot.js';
import type { ModuleContext } from '../types.js';
import { defineFirewallBackend } from './backend.js';
import type { FirewallBackendOps } from './backend.js';
import { normaliseRuleset } from './nftables.js';
import { judgePorts, packetsFor, waysIn } from './types.js';
import type { OutsideIface, PortVerdict } from './types.js';

const TIMEOUT_MS = 30_000;
/** The standard services for the mail ports, used when they carry exactly that port. */
const STANDARD_SERVICES: Readonly<Record<number, string>> = { 25: 'smtp', 587: 'smtp-submission', 465: 'smtps' };

const strings = { type: 'array', items: { type: 'string' } } as const;

const zoneSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['services', 'ports', 'text'],
  properties: { services: strings, ports: strings, text: { type: 'string', description: '`--list-all` as printed: compared before undo touches the zone\'s files.' } },
} as const;

const zoneStateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['zone', 'ifaces', 'runtime', 'permanent', 'file', 'old', 'vendor'],
  properties: {
    zone: { type: 'string', minLength: 1 },
    ifaces: strings,
    runtime: zoneSettingsSchema,
    permanent: zoneSettingsSchema,
    file: FILE_SNAPSHOT_SCHEMA,
    old: FILE_SNAPSHOT_SCHEMA,
    vendor: { type: 'boolean', description: 'A vendor definition exists (/usr/lib/firewalld/zones/ZONE.xml): `--load-zone-defaults` works.' },
  },
} as const;

const stateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['defaultZone', 'zones', 'services', 'nft'],
  properties: {
    defaultZone: { type: 'string' },
    zones: { type: 'array', items: zoneStateSchema },
    services: { type: 'object', additionalProperties: { type: 'string' }, description: 'Port → the standard service that carries exactly it here.' },
    nft: { type: ['string', 'null'], description: "nft ruleset (normalised) when firewalld runs on nftables: its runtime verdict is walked." },
  },
} as const;

const additionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['zone', 'port', 'item', 'runtime', 'permanent'],
  properties: {
    zone: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    item: { type: 'string', pattern: '^(service:[A-Za-z0-9_.-]+|port:[0-9]+/tcp)$', description: '`service:smtp` or `port:25/tcp`.' },
    runtime: { type: 'boolean' },
    permanent: { type: 'boolean' },
  },
} as const;

/** A zone touched permanently: its settings and files before (undo restores them). */
const zoneBeforeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['zone', 'permanentText', 'file', 'old', 'vendor'],
  properties: { zone: { type: 'string', minLength: 1 }, permanentText: { type: 'string' }, file: FILE_SNAPSHOT_SCHEMA, old: FILE_SNAPSHOT_SCHEMA, vendor: { type: 'boolean' } },
} as const;

const dataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['additions', 'zones'],
  properties: { additions: { type: 'array', items: additionSchema }, zones: { type: 'array', items: zoneBeforeSchema } },
} as const;

const restoreSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['zones'],
  properties: { zones: { type: 'array', items: zoneBeforeSchema } },
} as const;

type ZoneSettings = FromSchema<typeof zoneSettingsSchema>;
type ZoneState = FromSchema<typeof zoneStateSchema>;
type FirewalldState = FromSchema<typeof stateSchema>;
type ZoneBefore = FromSchema<typeof zoneBeforeSchema>;
export type FirewalldAddition = FromSchema<typeof additionSchema>;

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

/**
 * The firewall-cmd calls for a set of items in one zone: one per kind (firewall-cmd takes several
 * --add-service in one call, but not --add-service with --add-port). Each call costs a Python start
 * (~0.3 s measured), so items are never queried or changed one by one.
 */
export function zoneCommands(zone: string, items: string[], verb: 'add' | 'remove', permanent: boolean): string[][] {
  const out: string[][] = [];
  for (const kind of ['service', 'port']) {
    const mine = items.filter((i) => i.startsWith(`${kind}:`));
    if (mine.length) out.push(['firewall-cmd', ...(permanent ? ['--permanent'] : []), `--zone=${zone}`, ...mine.map((i) => `--${verb}-${flag(i)}`)]);
  }
  return out;
}

// ALREADY_ENABLED / NOT_ENABLED: exit 0 with a warning since firewalld 0.9, 11 / 12 before.
const HARMLESS = new Set([0, 11, 12]);

async function fc(ctx: ModuleContext, argv: string[], what = argv.join(' ')): Promise<string> {
  const r = await ctx.exec.run(argv, { timeoutMs: TIMEOUT_MS });
  if (r.exitCode === null || !HARMLESS.has(r.exitCode)) throw new StepFailure(`${what} failed`, describeResult(r));
  return r.stdout;
}

const listAll = (zone: string, permanent: boolean): string[] => ['firewall-cmd', ...(permanent ? ['--permanent'] : []), `--zone=${zone}`, '--list-all'];

async function zoneSettings(ctx: ModuleContext, zone: string, permanent: boolean): Promise<ZoneSettings> {
  const text = await fc(ctx, listAll(zone, permanent));
  return { ...parseListAll(text), text };
}

/** `--get-active-zones`: zone names, each followed by `  interfaces: eth0 eth1`. */
export function parseActiveZones(text: string): Map<string, string> {
  const byIface = new Map<string, string>();
  let zone: string | null = null;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) zone = line.trim().split(/\s+/)[0] ?? null;
    const m = /^\s+interfaces:\s*(.*)$/.exec(line);
    if (m && zone) for (const i of (m[1] as string).split(/\s+/).filter(Boolean)) byIface.set(i, zone);
  }
  return byIface;
}

/** A service's ports from its definition (/etc overrides /usr/lib); null when it includes others. */
async function servicePorts(ctx: ModuleContext, name: string): Promise<string[] | null> {
  const xml = (await ctx.fs.tryReadText(`/etc/firewalld/services/${name}.xml`)) ?? (await ctx.fs.tryReadText(`/usr/lib/firewalld/services/${name}.xml`));
  if (xml === null || /<include\b/.test(xml)) return null;
  return [...xml.matchAll(/<port\b([^>]*)>/g)].map((m) => {
    const attr = (a: string): string => new RegExp(`${a}="([^"]*)"`).exec(m[1] as string)?.[1] ?? '';
    return `${attr('port')}/${attr('protocol')}`;
  });
}

async function readZone(ctx: ModuleContext, zone: string, ifaces: string[], runtime: ZoneSettings | null): Promise<ZoneState> {
  const [rt, pm, file, old, vendor] = await Promise.all([
    runtime ?? zoneSettings(ctx, zone, false),
    zoneSettings(ctx, zone, true),
    snapshotFile(ctx.fs, `/etc/firewalld/zones/${zone}.xml`),
    snapshotFile(ctx.fs, `/etc/firewalld/zones/${zone}.xml.old`),
    ctx.fs.exists(`/usr/lib/firewalld/zones/${zone}.xml`),
  ]);
  return { zone, ifaces, runtime: rt, permanent: pm, file, old, vendor };
}

/** Where a stranger reaches this zone: its outside interfaces. */
const zoneWays = (z: ZoneState, outside: OutsideIface[]) => waysIn(outside.filter((o) => z.ifaces.includes(o.name)), 4);

/** Pure: per zone and port, what to add at runtime and permanently. */
export function planFirewalld(st: FirewalldState, ports: number[], outside: OutsideIface[]): FirewalldAddition[] {
  const rs = st.nft ? parseNftJson(st.nft) : null;
  const out: FirewalldAddition[] = [];
  for (const z of st.zones) {
    for (const port of ports) {
      const service = st.services[String(port)];
      const item = service ? `service:${service}` : `port:${port}/tcp`;
      const verdicts = rs ? packetsFor(zoneWays(z, outside), port).map((p) => traceNftInput(rs, 'firewalld', p)) : [];
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
  return defineFirewallBackend({
    name,
    frontend: true,
    state: stateSchema,
    data: dataSchema,
    restore: restoreSchema,
    applied: NO_DATA,

    async inspect(ctx, env) {
      const [defaultText, active, nftR, ...servicePortLists] = await Promise.all([
        // Without --zone, --list-all shows the default zone, named on its first line.
        fc(ctx, ['firewall-cmd', '--list-all']),
        fc(ctx, ['firewall-cmd', '--get-active-zones']),
        ctx.exec.has('nft') ? ctx.exec.run(['nft', '-j', 'list', 'ruleset'], { timeoutMs: TIMEOUT_MS }) : Promise.resolve(null),
        ...env.ports.map((port) => {
          const service = STANDARD_SERVICES[port];
          return service ? servicePorts(ctx, service) : Promise.resolve(null);
        }),
      ]);
      const defaultZone = defaultText.split('\n')[0]?.trim().split(/\s+/)[0] ?? 'public';
      const bound = parseActiveZones(active);
      const byZone = new Map<string, string[]>();
      for (const o of env.outside) {
        const zone = bound.get(o.name) ?? defaultZone;
        byZone.set(zone, [...(byZone.get(zone) ?? []), o.name]);
      }
      if (byZone.size === 0) byZone.set(defaultZone, []);
      const zones = await Promise.all([...byZone].map(([zone, ifaces]) => readZone(ctx, zone, ifaces, zone === defaultZone ? { ...parseListAll(defaultText), text: defaultText } : null)));
      const services: FirewalldState['services'] = {};
      env.ports.forEach((port, i) => {
        const ports = servicePortLists[i];
        const service = STANDARD_SERVICES[port];
        if (service && ports && ports.length === 1 && ports[0] === `${port}/tcp`) services[String(port)] = service;
      });
      const nft = nftR && nftR.exitCode === 0 ? normaliseRuleset(nftR.stdout) : null;
      const hasTable = nft !== null && parseNftJson(nft).tables.some((t) => t.owner === 'firewalld');
      return { defaultZone, zones, services, nft: hasTable ? nft : null };
    },

    judge(st, env) {
      const rs = st.nft ? parseNftJson(st.nft) : null;
      return st.zones.flatMap((z): PortVerdict[] =>
        judgePorts(name, 4, env.ports, zoneWays(z, env.outside), (p) => {
          if (rs) {
            const d = traceNftInput(rs, 'firewalld', p);
            return { verdict: d.verdict, detail: `zone ${z.zone}: ${d.detail}` };
          }
          const open = coversPort(z.runtime, p.dport, st.services);
          return { verdict: open ? 'allow' : 'unknown', detail: `zone ${z.zone}: ${open ? 'listed in its services/ports' : 'not listed; firewalld is not on nftables, so its rules cannot be walked'}` };
        }),
      );
    },

    diff(st, env, pc) {
      const additions = planFirewalld(st, pc.ports, env.outside);
      if (additions.length === 0) return null;
      const diff: string[] = [];
      for (const zone of [...new Set(additions.map((a) => a.zone))]) {
        const mine = additions.filter((a) => a.zone === zone);
        const rt = mine.filter((a) => a.runtime);
        const pm = mine.filter((a) => a.permanent);
        for (const c of zoneCommands(zone, rt.map((a) => a.item), 'add', false)) diff.push(`+ ${c.join(' ')}   (runtime: opens ${rt.map((a) => `${a.port}/tcp`).join(', ')} now)`);
        for (const c of zoneCommands(zone, pm.map((a) => a.item), 'add', true)) diff.push(`~ ${c.join(' ')}   (permanent: kept across reload and reboot; no --reload, which would drop runtime-only rules)`);
        for (const a of mine.filter((x) => x.runtime && !x.permanent)) diff.push(`# note: zone ${zone} already has ${a.item.replace(':', ' ')} permanently, but not at runtime (a --permanent change never reloaded)`);
      }
      const touched = [...new Set(additions.filter((a) => a.permanent).map((a) => a.zone))];
      const zones: ZoneBefore[] = st.zones.filter((z) => touched.includes(z.zone)).map((z) => ({ zone: z.zone, permanentText: z.permanent.text, file: z.file, old: z.old, vendor: z.vendor }));
      return {
        opens: [...new Set(additions.map((a) => a.port))],
        diff,
        data: { additions, zones },
        intent: additions,
        restore: { zones },
      };
    },

    async apply(ctx, { data: d }) {
      // Adding what is already there is harmless (ALREADY_ENABLED), so a re-run needs no queries.
      for (const permanent of [false, true]) {
        for (const zone of [...new Set(d.additions.map((a) => a.zone))]) {
          const items = d.additions.filter((a) => a.zone === zone && (permanent ? a.permanent : a.runtime)).map((a) => a.item);
          for (const c of zoneCommands(zone, items, 'add', permanent)) await fc(ctx, c);
        }
      }
      return null;
    },

    async verify(ctx, { data: d }) {
      const evidence: string[] = [];
      let present = 0;
      let total = 0;
      const sides = [...new Set(d.additions.flatMap((a) => [...(a.runtime ? [`${a.zone}\0rt`] : []), ...(a.permanent ? [`${a.zone}\0pm`] : [])]))];
      const settings = new Map(await Promise.all(sides.map(async (k) => [k, await zoneSettings(ctx, k.split('\0')[0] ?? '', k.endsWith('pm'))] as const)));
      for (const a of d.additions) {
        for (const permanent of [false, true]) {
          if (!(permanent ? a.permanent : a.runtime)) continue;
          const now = settings.get(`${a.zone}\0${permanent ? 'pm' : 'rt'}`);
          const here = now !== undefined && has(now, a.item);
          total++;
          if (here) present++;
          evidence.push(`firewalld zone ${a.zone} (${permanent ? 'permanent' : 'runtime'}): ${a.item.replace(':', ' ')} ${here ? 'present' : 'MISSING'}`);
        }
      }
      return { present, total, evidence };
    },

    async undo(ctx, { data: d }) {
      const sides = [...new Set(d.additions.map((a) => a.zone))].flatMap((zone) => [false, true].map((permanent) => ({ zone, permanent })));
      // Runtime and permanent are independent: undo both at once (each firewall-cmd is a Python start).
      const lines = await Promise.all(
        sides.map(async ({ zone, permanent }) => {
          const ours = d.additions.filter((a) => a.zone === zone && (permanent ? a.permanent : a.runtime)).map((a) => a.item);
          if (ours.length === 0) return [];
          const now = await zoneSettings(ctx, zone, permanent);
          const present = ours.filter((i) => has(now, i));
          const out = ours.filter((x) => !present.includes(x)).map((i) => `firewalld zone ${zone} (${permanent ? 'permanent' : 'runtime'}): ${i.replace(':', ' ')} is not there (nothing to remove)`);
          for (const c of zoneCommands(zone, present, 'remove', permanent)) {
            await fc(ctx, c);
            out.push(`${c.join(' ')}: removed`);
          }
          return out;
        }),
      );
      const evidence = lines.flat();
      for (const z of d.zones) evidence.push(...(await restoreZoneFiles(ctx, z)));
      return evidence;
    },
  });
}

/** The zone's files as they were, once its permanent settings are as they were (else leave them). */
async function restoreZoneFiles(ctx: ModuleContext, z: ZoneBefore): Promise<string[]> {
  const now = await fc(ctx, listAll(z.zone, true));
  if (now !== z.permanentText) return [`zone ${z.zone}: its permanent settings changed since (not by us); left its files as firewalld wrote them`];
  const out: string[] = [];
  const file = await snapshotFile(ctx.fs, z.file.path);
  if (!z.file.exists && file.exists && z.vendor) {
    // firewalld's own way back to the vendor zone: it drops the file (keeping it as .xml.old).
    await fc(ctx, ['firewall-cmd', '--permanent', `--load-zone-defaults=${z.zone}`]);
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
