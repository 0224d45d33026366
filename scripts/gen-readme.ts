// Tables in README.md that have one source in the code, regenerated between their markers
// (`npm run gen`); test/unit/readme.test.ts fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { exitCodeMarkdown } from '../src/core/exit-codes.js';
import type { UserError } from '../src/core/errors.js';
import { listYamlFiles, loadRunbooks } from '../src/engine/catalog/load.js';
import { createModuleRegistry } from '../src/modules/registry.js';
import { CAUSES } from '../src/probes/causes.js';

/** Every cause diagnose can name, most likely first, with the runbooks that answer it. */
export function causeMarkdown(): string {
  const errors: UserError[] = [];
  const runbooks = [...loadRunbooks(listYamlFiles(new URL('../runbooks', import.meta.url).pathname), createModuleRegistry(), errors).values()];
  if (errors.length > 0) throw new Error(errors.map((e) => e.format()).join('\n'));
  const rows = Object.entries(CAUSES)
    .sort((a, b) => a[1].rank - b[1].rank || (a[0] < b[0] ? -1 : 1))
    .map(([id, c]) => {
      const fixes = runbooks.filter((r) => !r.onRequest && r.symptoms.includes(id)).map((r) => `\`${r.id}\``);
      const asked = runbooks.filter((r) => r.onRequest && r.symptoms.includes(id)).map((r) => `\`${r.id}\` (only with \`--runbook\`)`);
      const by = [...fixes, ...asked].join(', ') || 'needs a human (diagnose says what to do)';
      return `| \`${id}\` | ${c.title.replace(/\|/g, '\\|')} | ${by} |`;
    });
  return ['| cause | what diagnose found | fixed by |', '|---|---|---|', ...rows].join('\n');
}

export const README_SECTIONS: Record<string, () => string> = {
  'exit-codes': exitCodeMarkdown,
  causes: causeMarkdown,
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
