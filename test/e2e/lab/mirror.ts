import { readFileSync } from 'node:fs';

const DEB822_SOURCES = '/etc/apt/sources.list.d/debian.sources';
const ONE_LINE_SOURCES = '/etc/apt/sources.list';

// The Debian mirror this machine's apt uses, so the lab downloads from wherever the machine is
// allowed to (never a hard-coded host). POSTFIX_FIX_LAB_MIRROR overrides it.
export function debianMirror(): string {
  const override = process.env['POSTFIX_FIX_LAB_MIRROR'];
  if (override) return override;
  const fromDeb822 = mirrorFromDeb822(readOptional(DEB822_SOURCES));
  if (fromDeb822) return fromDeb822;
  const fromList = mirrorFromOneLine(readOptional(ONE_LINE_SOURCES));
  if (fromList) return fromList;
  throw new Error(`no Debian mirror found in ${DEB822_SOURCES} or ${ONE_LINE_SOURCES}; set POSTFIX_FIX_LAB_MIRROR`);
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// First stanza that carries the main suite (not -security/-updates only).
export function mirrorFromDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match?.[1] && match[2] !== undefined) fields.set(match[1].toLowerCase(), match[2].trim());
    }
    const suites = (fields.get('suites') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (uri && types.includes('deb') && suites.some((s) => /^[a-z]+$/.test(s))) return uri;
  }
  return undefined;
}

export function mirrorFromOneLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+([a-z]+)\s/.exec(line.trim() + ' ');
    if (match?.[1]) return match[1];
  }
  return undefined;
}
