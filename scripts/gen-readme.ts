// Tables in README.md that have one source in the code, regenerated between their markers
// (`npm run gen`); test/unit/readme.test.ts fails when they are stale.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { exitCodeMarkdown } from '../src/core/exit-codes.js';
import { CAUSES } from '../src/probes/causes.js';

/** The built-in runbooks' ids and the causes each fixes, read from runbooks/. */
export function runbookSymptoms(): Array<{ id: string; symptoms: string[]; onRequest: boolean }> {
  const dir = new URL('../runbooks/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => load(readFileSync(new URL(f, dir), 'utf8')) as { id: string; symptoms?: string[]; on_request?: boolean })
    .map((r) => ({ id: r.id, symptoms: r.symptoms ?? [], onRequest: r.on_request === true }));
}

/** Every cause, ranked as `list --causes` ranks them, with the runbooks that fix it. */
function causesMarkdown(): string {
  const runbooks = runbookSymptoms();
  const rows = Object.entries(CAUSES)
    // As `list --causes` orders them: by rank, ties in registry order.
    .sort((a, b) => a[1].rank - b[1].rank)
    .map(([id, c]) => {
      // A runbook run only when named (on_request) answers a cause without being "the fix".
      const by = [
        ...runbooks.filter((r) => !r.onRequest && r.symptoms.includes(id)).map((r) => `\`${r.id}\``).sort(),
        ...runbooks.filter((r) => r.onRequest && r.symptoms.includes(id)).map((r) => `\`${r.id}\` (only with \`--runbook\`)`).sort(),
      ];
      return `| \`${id}\` | ${c.title.replace(/\|/g, '\\|')} | ${by.length ? by.join(', ') : 'needs a human'} |`;
    });
  return ['| cause | what it means | fixed by |', '|---|---|---|', ...rows].join('\n');
}

export const README_SECTIONS: Record<string, () => string> = {
  'exit-codes': exitCodeMarkdown,
  causes: causesMarkdown,
};

const MARKERS = /<!-- ([a-z-]+):start[^>]*-->\n[\s\S]*?<!-- \1:end -->/g;

export function regenerate(readme: string): string {
  return readme.replace(MARKERS, (whole, name: string) => {
    const gen = README_SECTIONS[name];
    if (!gen) return whole;
    const start = whole.slice(0, whole.indexOf('-->') + 3);
    return `${start}\n${gen()}\n<!-- ${name}:end -->`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = new URL('../README.md', import.meta.url);
  writeFileSync(url, regenerate(readFileSync(url, 'utf8')));
}
