// Secrets out of everything a person or a ticket reads: plan, run and diagnose reports (text and
// JSON), the journal's human-readable fields and the command log. Two nets, because neither is
// enough alone:
//   by rule   — the value of a password-like parameter wherever it is assigned (`name = value`,
//               `'name=value'`, `name: old → new`), inline/static credentials in SASL lookup
//               tables, and the password in `scheme://user:password@host`;
//   by value  — secrets learnt from main.cf are replaced wherever they appear, so a diff context
//               line that shows only the continuation of an inline table (its header is out of
//               the hunk) is caught too.
// The journal keeps what undo needs byte for byte (`restore` snapshots, a module's `data`) as it
// is; only its human-readable fields are redacted. SECURITY.md says how those bytes are protected.

import type { HostFs } from './host-fs.js';

export const REDACTED = '«redacted»';

/**
 * Parameters whose whole value is a secret: `*_password`, `*_passwd`, `*_secret`, `*_key`, …
 * (`key` and `token` only with a prefix: report fields named `key` are firewall chain names).
 */
const SECRET_PARAM = /(?:(?:^|_)(?:password|passwd|passphrase|secret|credentials?)|_(?:key|token))$/;
/** Lookup tables that map to credentials: a path is fine, inline or static contents are not. */
const CREDENTIAL_MAPS = /(?:password|passwd|secret|sasl|auth|credential)[a-z0-9_]*_maps$/;
const PARAM_NAME = /^[a-z][a-z0-9_]*$/;
/** Shorter learnt secrets are left to the rules: replacing "yes" everywhere would garble reports. */
const MIN_KNOWN_LENGTH = 6;

export function isSecretParam(name: string): boolean {
  return PARAM_NAME.test(name) && !name.endsWith('_maps') && SECRET_PARAM.test(name);
}

export function isCredentialMaps(name: string): boolean {
  return PARAM_NAME.test(name) && CREDENTIAL_MAPS.test(name);
}

/** A parameter whose value may carry a secret (whole, or inside a lookup table spec). */
export function isSensitiveParam(name: string): boolean {
  return isSecretParam(name) || isCredentialMaps(name);
}

/** `scheme://user:password@host` → `scheme://user:«redacted»@host`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+):([^\s@/'"]+)@/gi, (_m, head: string) => `${head}:${REDACTED}@`);
}

/** The value of parameter `name`, with whatever in it is secret replaced. */
export function redactParamValue(name: string, value: string): string {
  if (isSecretParam(name)) return value.trim() === '' || value === '(empty)' ? value : REDACTED;
  if (isCredentialMaps(name)) return redactUrlCredentials(redactTableSpecs(value));
  return redactUrlCredentials(value);
}

/**
 * `inline:{ k=v, { k = v w } }` keeps the keys and hides the values; `static:anything` hides
 * anything. An inline table cut off by the end of the text (a value continued on the next line)
 * is redacted to the end.
 */
export function redactTableSpecs(value: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const rest = value.slice(i);
    const inline = /^inline:\{/.exec(rest);
    if (inline && (i === 0 || /[\s,]/.test(value[i - 1] as string))) {
      const { text, end } = redactInlineBody(value, i + inline[0].length);
      out += 'inline:{' + text;
      i = end;
      continue;
    }
    const stat = /^static:(\{[^}]*\}?|[^\s,]+)/.exec(rest);
    if (stat && (i === 0 || /[\s,]/.test(value[i - 1] as string))) {
      out += `static:${REDACTED}`;
      i += stat[0].length;
      continue;
    }
    out += value[i];
    i++;
  }
  return out;
}

/** Scan an inline table body from just after `inline:{`; returns it redacted and where it ended. */
function redactInlineBody(s: string, start: number): { text: string; end: number } {
  let out = '';
  let i = start;
  let depth = 1;
  let inValue = false;
  while (i < s.length && depth > 0) {
    const c = s[i] as string;
    if (c === '{') {
      depth++;
      inValue = false;
      out += c;
    } else if (c === '}') {
      depth--;
      inValue = false;
      out += c;
    } else if (inValue) {
      // Inside `{ key = text }` the value runs to the closing brace; at the top level to , or space.
      if (depth === 1 && /[\s,]/.test(c)) {
        inValue = false;
        out += c;
      }
    } else if (c === '=') {
      out += `=${depth > 1 ? ' ' : ''}${REDACTED}${depth > 1 ? ' ' : ''}`;
      inValue = true;
    } else out += c;
    i++;
  }
  return { text: out, end: i };
}

/** Secrets defined in a main.cf (or `postconf -n` output), to be replaced wherever they appear. */
export function secretsInMainCf(text: string): string[] {
  const out = new Set<string>();
  const logical: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (/^[ \t]+\S/.test(line) && logical.length > 0) logical[logical.length - 1] += '\n' + line;
    else logical.push(line);
  }
  for (const l of logical) {
    const m = /^([a-z][a-z0-9_]*)\s*=\s*([\s\S]*)$/.exec(l);
    if (!m) continue;
    const name = m[1] as string;
    const value = (m[2] as string).trim();
    if (value === '') continue;
    if (isSecretParam(name)) {
      out.add(value);
      for (const part of value.split('\n')) out.add(part.trim());
    } else if (isCredentialMaps(name)) {
      for (const s of tableSecrets(value)) out.add(s);
    }
    for (const cred of value.matchAll(/:\/\/[^\s:@/'"]+:([^\s@/'"]+)@/g)) out.add(cred[1] as string);
  }
  return [...out].filter((s) => s.length >= MIN_KNOWN_LENGTH);
}

function tableSecrets(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/static:(\{([^}]*)\}?|[^\s,]+)/g)) out.push(((m[2] ?? m[1]) as string).trim());
  for (const block of value.matchAll(/inline:\{([\s\S]*)/g)) {
    const body = block[1] as string;
    for (const nested of body.matchAll(/\{[^{}=]*=\s*([^{}]*?)\s*\}/g)) out.push(nested[1] as string);
    for (const plain of body.replace(/\{[^{}]*\}/g, ' ').matchAll(/=([^\s,{}]+)/g)) out.push(plain[1] as string);
  }
  return out;
}

export class Redactor {
  private known: string[] = [];

  /** Remember secrets to replace wherever they appear. */
  learn(secrets: Iterable<string>): this {
    const all = new Set([...this.known, ...[...secrets].filter((s) => s.length >= MIN_KNOWN_LENGTH && s !== REDACTED)]);
    // Longest first, so a secret that contains another is replaced whole.
    this.known = [...all].sort((a, b) => b.length - a.length);
    return this;
  }

  learnMainCf(text: string): this {
    return this.learn(secretsInMainCf(text));
  }

  /** Learn from every main.cf snapshot (`{path: …/main.cf, contentBase64}`) inside a value. */
  learnFromSnapshots(value: unknown): this {
    walk(value, (o) => {
      if (typeof o.path === 'string' && /(^|\/)main\.cf$/.test(o.path) && typeof o.contentBase64 === 'string') this.learnMainCf(Buffer.from(o.contentBase64, 'base64').toString('utf8'));
    });
    return this;
  }

  text(text: string): string {
    let out = redactLines(text);
    for (const k of this.known) if (out.includes(k)) out = out.split(k).join(REDACTED);
    return out;
  }

  lines(lines: readonly string[]): string[] {
    // As one text, so a continuation line is judged with the parameter line above it.
    return this.text(lines.join('\n')).split('\n');
  }

  /** A deep copy of a JSON-like value with every secret replaced. */
  json<T>(value: T): T {
    return this.value(value, null) as T;
  }

  private value(v: unknown, param: string | null): unknown {
    if (typeof v === 'string') return this.text(param ? redactParamValue(param, v) : v);
    if (Array.isArray(v)) {
      // [name, value…] tuples (postconf's `set`, `intent`): the name says what the rest is.
      const head = v[0];
      const tupleParam = typeof head === 'string' && isSensitiveParam(head) && v.length > 1 ? head : null;
      return v.map((x, i) => (tupleParam && i > 0 ? this.value(x, tupleParam) : this.value(x, param)));
    }
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k === 'contentBase64' && typeof x === 'string') out[k] = this.base64(x);
        // A diff is read as one text: a continuation line belongs to the parameter above it.
        else if (k === 'diff' && param === null && Array.isArray(x) && x.every((l) => typeof l === 'string')) out[k] = this.lines(x as string[]);
        else out[k] = this.value(x, isSensitiveParam(k) ? k : param);
      }
      return out;
    }
    return v;
  }

  private base64(b64: string): string {
    const text = Buffer.from(b64, 'base64').toString('utf8');
    return this.text(text) === text && secretsInMainCf(text).length === 0 ? b64 : REDACTED;
  }
}

/** A redactor that already knows the secrets in any main.cf snapshots inside `values`. */
export function redactorFor(...values: unknown[]): Redactor {
  const r = new Redactor();
  for (const v of values) r.learnFromSnapshots(v);
  return r;
}

/** A redactor that knows the secrets in the host's main.cf (if readable) and in `values`. */
export async function redactorForHost(fs: Pick<HostFs, 'tryReadText'>, configDir: string | null | undefined, ...values: unknown[]): Promise<Redactor> {
  const r = redactorFor(...values);
  if (configDir) {
    const text = await fs.tryReadText(`${configDir.replace(/\/+$/, '')}/main.cf`).catch(() => null);
    if (text !== null) r.learnMainCf(text);
  }
  return r;
}

/** A command line for the log: `name=value` words of sensitive parameters, URL passwords. */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const m = /^([a-z][a-z0-9_]*)=([\s\S]*)$/.exec(a);
    if (m && isSensitiveParam(m[1] as string)) return `${m[1]}=${redactParamValue(m[1] as string, m[2] as string)}`;
    return redactUrlCredentials(a);
  });
}

function walk(v: unknown, visit: (o: Record<string, unknown>) => void, depth = 0): void {
  if (depth > 64 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, visit, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  visit(o);
  for (const x of Object.values(o)) walk(x, visit, depth + 1);
}

// `name = value` (main.cf, postconf output, diff lines), `'name=value'` (a command line), or
// `name: old → new` (a change summary).
const ASSIGN = /(^|[^A-Za-z0-9_])([a-z][a-z0-9_]*)([ \t]*=[ \t]*)/g;
const SUMMARY = /(^|; )([a-z][a-z0-9_]*): (.*?) → (.*?)(?=; then |; [a-z][a-z0-9_]*: |$)/g;
const CONTINUATION = /^([ +-]?)([ \t]+)(\S.*)$/;

function redactLines(text: string): string {
  let carry: string | null = null; // the sensitive parameter whose value continues on this line
  return text
    .split('\n')
    .map((line) => {
      const cont = carry === null ? null : CONTINUATION.exec(line);
      if (carry !== null && cont) {
        const body = isSecretParam(carry) ? REDACTED : redactInlineContinuation(cont[3] as string);
        return redactUrlCredentials(`${cont[1]}${cont[2]}${body}`);
      }
      const { text: out, continues } = redactLine(line);
      carry = continues;
      return out;
    })
    .join('\n');
}

/** A line inside an inline table opened on an earlier line: hide every value after `=`. */
function redactInlineContinuation(s: string): string {
  const { text, end } = redactInlineBody(s, 0);
  return text + redactTableSpecs(s.slice(end));
}

function redactLine(line: string): { text: string; continues: string | null } {
  let continues: string | null = null;
  let out = line.replace(SUMMARY, (m, lead: string, name: string, was: string, now: string) => (isSensitiveParam(name) ? `${lead}${name}: ${redactParamValue(name, was)} → ${redactParamValue(name, now)}` : m));
  let result = '';
  let last = 0;
  ASSIGN.lastIndex = 0;
  for (let m = ASSIGN.exec(out); m !== null; m = ASSIGN.exec(out)) {
    const lead = m[1] as string;
    const name = m[2] as string;
    if (!isSensitiveParam(name)) continue;
    const valueStart = m.index + m[0].length;
    const quote = lead === "'" || lead === '"' ? lead : null;
    const close = quote ? out.indexOf(quote, valueStart) : -1;
    const valueEnd = close >= 0 ? close : out.length;
    const value = out.slice(valueStart, valueEnd);
    result += out.slice(last, valueStart) + redactParamValue(name, value);
    last = valueEnd;
    ASSIGN.lastIndex = Math.max(valueEnd, ASSIGN.lastIndex);
    // A value left open at the end of the line continues on the next (main.cf continuation).
    if (close < 0) continues = name;
  }
  out = result + out.slice(last);
  return { text: redactUrlCredentials(out), continues };
}
