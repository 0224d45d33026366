// endpoint (check): do the services smtpd depends on answer — each in its own protocol where that
// is harmless (a milter's option negotiation, Dovecot's auth greeting; a policy server only a
// connect: it may count any request). With `dependencies`, the endpoints are the ones main.cf and
// master.cf name now (facts are gathered afresh before a runbook's verification), so the proof
// covers what smtpd will really ask, not a list frozen at plan time. A daemon just started may
// take a moment to open its socket: the check waits for it, bounded.

import { pollUntil } from '../../exec/command.js';
import { greetEndpoint } from '../../exec/endpoint.js';
import type { Endpoint, EndpointAnswer, EndpointProtocol } from '../../exec/endpoint.js';
import type { DependencyKind } from '../../facts/types.js';
import { defineCheckModule } from '../define.js';
import type { ModuleContext } from '../types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dependencies: { enum: ['all', 'milter', 'policy', 'sasl'], description: 'Every endpoint of this kind the configuration names now (all: milters, policy services and the SASL backend).' },
    endpoint: { type: 'string', pattern: '^(inet:[^\\s]+:[0-9]{1,5}|unix:/[^\\s]+)$', description: 'One endpoint as this host sees it: inet:HOST:PORT or unix:/absolute/path.' },
    protocol: { enum: ['connect', 'milter', 'dovecot-auth'], default: 'connect', description: 'With `endpoint`: how it must answer.' },
    wait_ms: { type: 'integer', minimum: 0, maximum: 60000, default: 10000, description: 'How long a service just started may take to answer.' },
  },
  oneOf: [{ required: ['dependencies'] }, { required: ['endpoint'] }],
} as const;

const PROTOCOL: Readonly<Record<DependencyKind, EndpointProtocol>> = { milter: 'milter', policy: 'connect', sasl: 'dovecot-auth' };
const WHAT: Readonly<Record<DependencyKind, string>> = { milter: 'milter', policy: 'policy service', sasl: 'SASL backend' };
const RETRY_MS = 200;

interface Target {
  label: string;
  endpoint: Endpoint;
  protocol: EndpointProtocol;
}

function parseEndpoint(spec: string): Endpoint {
  const inet = /^inet:\[?(.+?)\]?:(\d+)$/.exec(spec);
  if (inet) return { transport: 'inet', host: inet[1] as string, port: Number(inet[2]) };
  return { transport: 'unix', path: spec.slice('unix:'.length) };
}

const show = (e: Endpoint): string => (e.transport === 'inet' ? `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}` : e.path);

function targets(ctx: ModuleContext, args: { dependencies?: 'all' | DependencyKind; endpoint?: string; protocol: EndpointProtocol }): Target[] {
  if (args.endpoint !== undefined) return [{ label: args.endpoint, endpoint: parseEndpoint(args.endpoint), protocol: args.protocol }];
  return ctx.facts.dependencies.endpoints
    .filter((d) => args.dependencies === 'all' || d.kind === args.dependencies)
    .map((d) => ({ label: `${WHAT[d.kind]} ${d.spec} (${d.usedBy.join(', ')})`, endpoint: d.endpoint, protocol: PROTOCOL[d.kind] }));
}

async function untilAnswers(ctx: ModuleContext, t: Target, until: number): Promise<EndpointAnswer> {
  // Unix paths through HostFs, so a host mounted elsewhere (the lab) is reached where it is.
  const endpoint: Endpoint = t.endpoint.transport === 'unix' ? { transport: 'unix', path: ctx.fs.resolve(t.endpoint.path) } : t.endpoint;
  return pollUntil(() => greetEndpoint(endpoint, t.protocol, Math.max(100, Math.min(2_000, until - Date.now()))), (a) => a.answers, until, RETRY_MS);
}

export const endpointCheck = defineCheckModule({
  name: 'endpoint',
  description: 'The milters, policy services and SASL backend smtpd depends on (or one endpoint) answer, each in its own protocol.',
  args: ARGS,
  describe(args) {
    if (args.endpoint !== undefined) return `${args.endpoint} answers (${args.protocol})`;
    const kind = args.dependencies === 'all' || args.dependencies === undefined ? 'milter, policy service and SASL backend' : WHAT[args.dependencies];
    return `every ${kind} main.cf and master.cf name answers (milter: option negotiation; Dovecot: its auth greeting; policy service: a connect)`;
  },
  async check(ctx, args) {
    const list = targets(ctx, args);
    if (list.length === 0) return { ok: true, evidence: [`the configuration names no ${args.dependencies === 'all' ? 'milter, policy service or SASL backend' : WHAT[args.dependencies as DependencyKind]}: nothing depends on one`] };
    const until = Date.now() + args.wait_ms;
    const answers = await Promise.all(list.map((t) => untilAnswers(ctx, t, until)));
    return {
      ok: answers.every((a) => a.answers),
      evidence: list.map((t, i) => {
        const a = answers[i] as EndpointAnswer;
        return `${t.label}: ${show(t.endpoint)} ${a.answers ? a.detail : `does not answer: ${a.detail}`} (${a.ms} ms)`;
      }),
    };
  },
});
