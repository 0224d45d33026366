// Per-command flags, parsed strictly with node:util: an unknown or misspelled flag is an error
// (exit 2) that names the flag, never silently ignored.

import { parseArgs } from 'node:util';
import { UserError } from '../core/errors.js';

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

const COMMON: Record<string, OptionSpec> = {
  profile: { type: 'string' },
  runbooks: { type: 'string', multiple: true },
  'state-dir': { type: 'string' },
  'no-color': { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

interface CommandSpec {
  options: Record<string, OptionSpec>;
  positionals: 'none' | 'one' | 'many' | 'optional-one';
  /** The common options this command takes (default all): probe runs on a client, with no profile, runbooks or state. */
  common?: readonly (keyof typeof COMMON)[];
}

/** The symptom a person brings (src/cli/client-args.ts): the refused client and its ports. */
const SYMPTOM: Record<string, OptionSpec> = { from: { type: 'string' }, port: { type: 'string', multiple: true } };

const SPECS: Record<string, CommandSpec> = {
  diagnose: { options: { timeout: { type: 'string' }, offline: { type: 'boolean' }, 'outbound-domain': { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' }, ...SYMPTOM }, positionals: 'none' },
  plan: {
    options: { runbook: { type: 'string', multiple: true }, var: { type: 'string', multiple: true }, format: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' }, 'detailed-exitcodes': { type: 'boolean' }, timeout: { type: 'string' }, offline: { type: 'boolean' }, 'outbound-domain': { type: 'string' }, ...SYMPTOM },
    positionals: 'none',
  },
  run: {
    options: {
      interactive: { type: 'boolean', short: 'i' },
      yes: { type: 'boolean', short: 'y' },
      'max-risk': { type: 'string' },
      runbook: { type: 'string', multiple: true },
      var: { type: 'string', multiple: true },
      policy: { type: 'string' },
      json: { type: 'boolean' },
      'detailed-exitcodes': { type: 'boolean' },
      timeout: { type: 'string' },
      offline: { type: 'boolean' },
      'outbound-domain': { type: 'string' },
      ...SYMPTOM,
    },
    positionals: 'none',
  },
  apply: { options: { json: { type: 'boolean' }, 'detailed-exitcodes': { type: 'boolean' }, converge: { type: 'boolean' }, 'max-risk': { type: 'string' } }, positionals: 'one' },
  rollback: { options: { last: { type: 'boolean' }, list: { type: 'boolean' }, step: { type: 'string' }, json: { type: 'boolean' }, guard: { type: 'boolean' } }, positionals: 'optional-one' },
  validate: { options: { json: { type: 'boolean' }, 'list-facts': { type: 'boolean' } }, positionals: 'many' },
  list: { options: { causes: { type: 'boolean' }, json: { type: 'boolean' } }, positionals: 'none' },
  profile: { options: { json: { type: 'boolean' } }, positionals: 'none' },
  watch: {
    options: { once: { type: 'boolean' }, interval: { type: 'string' }, policy: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' }, offline: { type: 'boolean' }, 'outbound-domain': { type: 'string' } },
    positionals: 'none',
  },
  probe: {
    options: { port: { type: 'string', multiple: true }, timeout: { type: 'string' }, json: { type: 'boolean' }, 'relay-test': { type: 'boolean' } },
    positionals: 'one',
    common: ['no-color', 'debug', 'help'],
  },
  _guard: { options: { at: { type: 'string' } }, positionals: 'many' },
};

export const COMMANDS = Object.keys(SPECS).filter((c) => !c.startsWith('_'));

/** Every flag a command accepts (for help and completion tests). Hidden flags are not listed. */
export function commandFlags(command: string): string[] {
  const spec = SPECS[command];
  if (!spec) return [];
  return [...Object.keys(commonOf(spec)), ...Object.keys(spec.options)].filter((f) => f !== 'guard');
}

function commonOf(spec: CommandSpec): Record<string, OptionSpec> {
  return spec.common ? Object.fromEntries(spec.common.map((k) => [k, COMMON[k] as OptionSpec])) : COMMON;
}

export interface ParsedArgs {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(command: string, argv: string[]): ParsedArgs {
  const spec = SPECS[command];
  if (!spec) throw new UserError(`unknown command "${command}"`, { hints: [`commands: ${COMMANDS.join(', ')}`, 'see: postfix-fix --help'] });
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...commonOf(spec), ...spec.options }, allowPositionals: spec.positionals !== 'none', strict: true });
  } catch (e) {
    throw new UserError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, { hints: [`see: postfix-fix ${command} --help`] });
  }
  const pos = parsed.positionals;
  if (spec.positionals === 'one' && pos.length !== 1 && !parsed.values.help) throw new UserError(`${command}: expected exactly one argument, got ${pos.length}`, { hints: [`see: postfix-fix ${command} --help`] });
  if (spec.positionals === 'optional-one' && pos.length > 1) throw new UserError(`${command}: expected at most one argument, got ${pos.length}`, { hints: [`see: postfix-fix ${command} --help`] });
  return { command, values: parsed.values as ParsedArgs['values'], positionals: pos };
}

export function stringOpt(a: ParsedArgs, name: string): string | undefined {
  const v = a.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOpt(a: ParsedArgs, name: string): string[] {
  const v = a.values[name];
  return Array.isArray(v) ? v : [];
}

export function flag(a: ParsedArgs, name: string): boolean {
  return a.values[name] === true;
}

export function choiceOpt<T extends string>(a: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const v = stringOpt(a, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UserError(`--${name} ${JSON.stringify(v)}: not a valid choice`, { expected: `one of: ${choices.join(', ')}` });
  return v as T;
}

export function secondsOpt(a: ParsedArgs, name: string, fallback: number): number {
  const v = stringOpt(a, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new UserError(`--${name} ${JSON.stringify(v)}: not a valid number of seconds`, { expected: 'a number between 0 and 3600, e.g. 5 or 2.5' });
  return n;
}
