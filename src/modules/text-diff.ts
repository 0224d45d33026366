// Unified diffs for the plan: what a reviewer approves is the exact lines that change.

import { structuredPatch } from 'diff';

export function unifiedDiff(path: string, before: string, after: string, context = 1): string[] {
  if (before === after) return [];
  const patch = structuredPatch(path, path, before, after, '', '', { context });
  const out = [`--- ${path}`, `+++ ${path}`];
  for (const h of patch.hunks) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    out.push(...h.lines.filter((l) => !l.startsWith('\\')));
  }
  return out;
}
