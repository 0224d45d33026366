// `ufw status verbose` → active or not, the default incoming policy, and the rule lines (kept as
// text for evidence; the verdict itself comes from walking the iptables chains ufw writes).

export interface UfwStatus {
  active: boolean;
  defaultIncoming: string | null;
  rules: string[];
}

export function parseUfwStatus(text: string): UfwStatus {
  const lines = text.split('\n');
  const active = lines.some((l) => /^Status:\s*active\b/.test(l.trim()));
  const def = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(text);
  const header = lines.findIndex((l) => /^--\s+-+\s+-+/.test(l.trim()));
  const rules = header < 0 ? [] : lines.slice(header + 1).map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '');
  return { active, defaultIncoming: def ? (def[1] as string) : null, rules };
}
