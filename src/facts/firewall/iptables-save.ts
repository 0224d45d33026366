// `iptables-save` output → tables, chains (with policies) and rules as argv-like token lists.

export interface IptablesRule {
  chain: string;
  /** The rule's tokens after `-A CHAIN`, quotes removed. */
  args: string[];
  /** The line as iptables-save printed it (for evidence). */
  text: string;
}

export interface IptablesChain {
  /** ACCEPT/DROP for built-in chains, null for user chains (`-`). */
  policy: string | null;
  rules: IptablesRule[];
}

export interface IptablesTable {
  name: string;
  chains: Map<string, IptablesChain>;
}

export interface IptablesSave {
  tables: Map<string, IptablesTable>;
  /** `# Warning: …` lines (iptables-nft says so when legacy tables exist too). */
  warnings: string[];
}

export function parseIptablesSave(text: string): IptablesSave {
  const tables = new Map<string, IptablesTable>();
  const warnings: string[] = [];
  let current: IptablesTable | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (/warning/i.test(line)) warnings.push(line.replace(/^#\s*/, ''));
      continue;
    }
    if (line.startsWith('*')) {
      current = { name: line.slice(1), chains: new Map() };
      tables.set(current.name, current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) current.chains.set(name, { policy: policy && policy !== '-' ? policy : null, rules: [] });
      continue;
    }
    if (line === 'COMMIT') continue;
    const tokens = tokenize(line);
    // `iptables-save -c` prefixes counters: `[0:0] -A …`.
    if (tokens[0]?.startsWith('[')) tokens.shift();
    if (tokens[0] !== '-A' || tokens[1] === undefined) continue;
    const chainName = tokens[1];
    let chain = current.chains.get(chainName);
    if (!chain) {
      chain = { policy: null, rules: [] };
      current.chains.set(chainName, chain);
    }
    chain.rules.push({ chain: chainName, args: tokens.slice(2), text: line });
  }
  return { tables, warnings };
}

/** iptables-save quotes with "…" and escapes inner quotes with a backslash. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let tok = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
        i++;
      } else {
        tok += line[i];
        i++;
      }
    }
    out.push(tok);
  }
  return out;
}

const BUILTIN = new Set(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);

/**
 * Rules a person (or a tool) added: every rule, plus built-in chains whose policy is not ACCEPT.
 * Empty tables with ACCEPT policies (what any `iptables -L` leaves behind) count as nothing.
 * `ignoreChain` leaves out a frontend's own chains (ufw-*) and the jumps into them; when such
 * chains exist, the built-in policies are the frontend's doing too and are not counted.
 */
export function countRules(save: IptablesSave, ignoreChain: (chain: string) => boolean = () => false): number {
  let n = 0;
  let frontend = false;
  for (const table of save.tables.values()) for (const name of table.chains.keys()) if (ignoreChain(name)) frontend = true;
  for (const table of save.tables.values()) {
    for (const [name, chain] of table.chains) {
      if (ignoreChain(name)) continue;
      if (!frontend && BUILTIN.has(name) && chain.policy !== null && chain.policy !== 'ACCEPT') n++;
      for (const rule of chain.rules) {
        const target = targetOf(rule.args);
        if (target && ignoreChain(target)) continue;
        n++;
      }
    }
  }
  return n;
}

export function targetOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length - 1; i++) if (args[i] === '-j' || args[i] === '-g' || args[i] === '--jump' || args[i] === '--goto') return args[i + 1] as string;
  return null;
}

export function hasChainPrefix(save: IptablesSave, prefix: string): boolean {
  for (const table of save.tables.values()) for (const name of table.chains.keys()) if (name.startsWith(prefix)) return true;
  return false;
}
