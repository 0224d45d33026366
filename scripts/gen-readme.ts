// Tables in README.md that have one source in the code, regenerated between their markers
// (`npm run gen`); test/unit/readme.test.ts fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { exitCodeMarkdown } from '../src/core/exit-codes.js';

export const README_SECTIONS: Record<string, () => string> = {
  'exit-codes': exitCodeMarkdown,
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
