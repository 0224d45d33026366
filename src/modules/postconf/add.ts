// postconf-add: make sure an address is among the ones Postfix listens on (inet_interfaces), or a
// network among the ones it relays for (mynetworks) — adding it, never replacing the list. What
// "already there" means is Postfix's: `all` listens everywhere, `loopback-only` is spelled out
// as the loopback addresses before one is added to it (Postfix takes the keyword only alone), and
// a network inside a listed one is already trusted. The change itself is the postconf module's
// (postconf -e, postfix check, restart for inet_interfaces; undo restores main.cf byte for byte);
// its intent is the addition, so a run that already widened the list finds nothing left to do
// instead of narrowing it back.

import type { FromSchema } from 'json-schema-to-ts';
import { NotApplicable } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import { cidrContains, parseCidr } from '../../facts/cidr.js';
import { defineActionModule } from '../define.js';
import type { Change, ModuleContext } from '../types.js';
import { POSTCONF_APPLIED, POSTCONF_DATA, POSTCONF_STATE, postconfModule } from './module.js';

const ITEM = { type: 'string', pattern: '^[0-9A-Fa-f.:/\\[\\]]{2,64}$' } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['add'],
  properties: {
    add: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        inet_interfaces: { type: 'array', minItems: 1, maxItems: 8, items: ITEM, description: 'Addresses Postfix must also listen on.' },
        mynetworks: { type: 'array', minItems: 1, maxItems: 8, items: ITEM, description: 'Networks Postfix must also relay for: private ones, no wider than /12 (IPv4) or /48 (IPv6).' },
      },
    },
  },
} as const;

type Args = FromSchema<typeof ARGS>;
type State = FromSchema<typeof POSTCONF_STATE>;

const NAMES = ['inet_interfaces', 'mynetworks'] as const;

/** Private networks (RFC 1918, CGNAT, ULA): the only ones a bridge subnet may be trusted as. */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '[fc00::]/7'].map((n) => parseCidr(n)).filter((n) => n !== null);

export function checkNetwork(item: string): string | null {
  const net = parseCidr(item);
  if (!net) return `${item} is not a network`;
  if (!PRIVATE.some((p) => cidrContains(p, net))) return `${item} is not a private network: mynetworks is never widened beyond a local bridge`;
  if ((net.family === 4 && net.prefix < 12) || (net.family === 6 && net.prefix < 48)) return `${item} is wider than /${net.family === 4 ? 12 : 48}: add it by hand if you mean it`;
  return null;
}

const split = (v: string): string[] => v.split(/[\s,]+/).filter(Boolean);
const bare = (a: string): string => a.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** The value with the addresses added; null when Postfix already listens on them all. */
export function addInterfaces(current: string, add: readonly string[], loopback: readonly string[]): string | null {
  const cur = current.trim().toLowerCase();
  if (cur === 'all') return null;
  const list = cur === 'loopback-only' || cur === 'localhost' || cur === '' ? [...loopback] : split(current);
  const missing = add.filter((a) => !list.some((l) => bare(l) === bare(a)));
  if (missing.length === 0) return null;
  return [...list, ...missing].join(', ');
}

/** The value with the networks added; null when every one is already inside a listed network. */
export function addNetworks(current: string, add: readonly string[]): string | null {
  const list = split(current);
  const nets = list.map((e) => parseCidr(e)).filter((n) => n !== null);
  const missing = add.filter((a) => {
    const n = parseCidr(a);
    return n === null || !nets.some((x) => cidrContains(x, n));
  });
  if (missing.length === 0) return null;
  return [...list, ...missing].join(' ');
}

function loopbackAddresses(ctx: ModuleContext): string[] {
  const protocols = (ctx.facts.postfix.params.inet_protocols ?? 'all').toLowerCase();
  const v6 = (protocols.includes('all') || protocols.includes('ipv6')) && ctx.facts.network.ipv6Available;
  const v4 = protocols.includes('all') || protocols.includes('ipv4');
  return [...(v4 ? ['127.0.0.1'] : []), ...(v6 ? ['[::1]'] : [])];
}

function wantedValues(ctx: ModuleContext, args: Args, st: State): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    const add = args.add[name];
    if (!add) continue;
    const current = st.params[name]?.value ?? '';
    const next = name === 'inet_interfaces' ? addInterfaces(current, add, loopbackAddresses(ctx)) : addNetworks(current, add);
    if (next !== null) out[name] = next;
  }
  return out;
}

const asPostconfArgs = (set: Record<string, string>): JsonObject => ({ set, apply: 'auto' });

export const postconfAddModule = defineActionModule({
  name: 'postconf-add',
  description: 'Add addresses to inet_interfaces or private networks to mynetworks (never replacing the list), through the postconf module.',
  args: ARGS,
  data: POSTCONF_DATA,
  restore: POSTCONF_STATE,
  applied: POSTCONF_APPLIED,

  async inspect(ctx, args): Promise<State> {
    for (const n of args.add.mynetworks ?? []) {
      const why = checkNetwork(n);
      if (why) throw new NotApplicable(why);
    }
    const names = NAMES.filter((n) => args.add[n] !== undefined);
    return (await postconfModule.inspect(ctx, asPostconfArgs(Object.fromEntries(names.map((n) => [n, '-']))))) as State;
  },

  diff(ctx, args, st) {
    const set = wantedValues(ctx, args, st);
    if (Object.keys(set).length === 0) return null;
    const change = postconfModule.diff(ctx, asPostconfArgs(set), st) as (Change & { data: FromSchema<typeof POSTCONF_DATA>; restore: State }) | null;
    if (!change) return null;
    const added = NAMES.filter((n) => set[n] !== undefined).map((n) => `${n} += ${(args.add[n] ?? []).join(', ')}`);
    return { ...change, summary: `${added.join('; ')} (${change.summary})`, intent: { configDir: ctx.facts.postfix.configDir, add: Object.fromEntries(NAMES.filter((n) => set[n] !== undefined).map((n) => [n, args.add[n] ?? []])) } };
  },

  async apply(ctx, _args, change) {
    return (await postconfModule.apply(ctx, asPostconfArgs(Object.fromEntries(change.data.set)), change as unknown as Change)) as FromSchema<typeof POSTCONF_APPLIED> | undefined;
  },

  verify: (ctx, _args, change) => postconfModule.verify(ctx, asPostconfArgs(Object.fromEntries(change.data.set)), change as unknown as Change),

  async undo(ctx, record) {
    const set = Object.fromEntries(record.change.data.set);
    return postconfModule.undo(ctx, { args: asPostconfArgs(set), change: record.change as unknown as Change, ...(record.applied ? { applied: record.applied } : {}), ...(record.interrupted ? { interrupted: true } : {}) });
  },
});
