// postfix-fix probe TARGET: run on the client's machine, dial the mail server as that client
// does, and say what each port does, what it means, and which causes on the server fit. Needs
// no root, no Postfix, no catalog: it loads only the dialer, the resolver and its report.

import { UserError } from '../../core/errors.js';
import { dialAll } from '../../exec/client/dial-all.js';
import { addressLiteral, dialTargets, isHostName, resolveTarget } from '../../exec/client/resolve.js';
import { flag, listOpt, parseCommandArgs, secondsOpt } from '../args.js';
import type { ProbeReport } from '../../probes/client/types.js';

export const DEFAULT_PROBE_TIMEOUT_S = 10;
/** Of --timeout, what a DNS lookup of the target may take (the dials need the rest). */
const DNS_SHARE = 0.5;

export async function run(argv: string[]): Promise<number> {
  // The budget starts with the process: start-up counts against --timeout.
  const startedAt = Date.now() - Math.round(process.uptime() * 1000);
  const a = parseCommandArgs('probe', argv);
  const target = parseTarget(a.positionals[0] ?? '');
  const ports = parsePorts(listOpt(a, 'port'));
  const timeoutMs = Math.round(secondsOpt(a, 'timeout', DEFAULT_PROBE_TIMEOUT_S) * 1000);
  const deadline = startedAt + timeoutMs;

  const resolution = await resolveTarget(target, { deadline: startedAt + timeoutMs * DNS_SHARE });
  const { targets, unresolved } = dialTargets(resolution, ports);
  // The dials go out first; what judges and prints them loads while the network answers.
  const [dialled, { buildProbeReport }, render] = await Promise.all([dialAll(targets, { deadline, relayTest: flag(a, 'relay-test') }), import('../../probes/client/report.js'), renderer(flag(a, 'json'), flag(a, 'no-color'))]);
  const report = buildProbeReport({ target, ports, startedAt, timeoutMs, resolution, unresolved, dialled });
  process.stdout.write(render(report));
  return report.exitCode;
}

async function renderer(json: boolean, noColor: boolean): Promise<(r: ProbeReport) => string> {
  if (json) return (await import('../../report/probe-json.js')).renderProbeJson;
  const [{ renderProbeText }, { createColours, wantColour }] = await Promise.all([import('../../report/probe-text.js'), import('../../report/colour.js')]);
  const colours = createColours(wantColour({ stream: process.stdout, noColor }));
  return (r) => renderProbeText(r, colours);
}

export function parseTarget(raw: string): string {
  const t = raw.trim();
  if (addressLiteral(t) || isHostName(t)) return t;
  const domain = /^[^@\s]+@([^@\s]+)$/.exec(t)?.[1];
  throw new UserError(`probe: ${JSON.stringify(raw)} is not an address or a host name`, {
    expected: 'a domain (its MX hosts are dialled), a host name, or an IPv4/IPv6 address',
    hints: domain ? [`for the mail server of that address: postfix-fix probe ${domain}`] : ['e.g. postfix-fix probe example.org, postfix-fix probe 192.0.2.10 --port 587'],
  });
}

/** --port N (repeatable, or comma-separated); default 25. Each 1–65535, or nothing runs. */
export function parsePorts(values: readonly string[]): number[] {
  if (values.length === 0) return [25];
  const ports: number[] = [];
  for (const value of values.flatMap((v) => v.split(','))) {
    const p = value.trim();
    const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
    if (!(n >= 1 && n <= 65535)) throw new UserError(`--port ${JSON.stringify(value)}: not a TCP port`, { expected: 'a whole number from 1 to 65535, e.g. --port 25 --port 587' });
    if (!ports.includes(n)) ports.push(n);
  }
  return ports;
}
