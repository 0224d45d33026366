import { byCodePoint } from '../../core/compare.js';
import { ExitCode } from '../../core/exit-codes.js';
import { RISK_RANK } from '../../core/risk.js';
import type { Risk } from '../../core/risk.js';
import { CAUSES } from '../../probes/causes.js';
import { flag, parseCommandArgs } from '../args.js';
import { createRuntime } from '../runtime.js';

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('list', argv);
  const rt = createRuntime(a);
  const runbooks = [...rt.catalog.runbooks.values()].sort((x, y) => byCodePoint(x.id, y.id));
  if (flag(a, 'causes')) {
    const rows = Object.entries(CAUSES)
      .sort((x, y) => x[1].rank - y[1].rank)
      .map(([id, c]) => ({
        id,
        title: c.title,
        fixedBy: runbooks.filter((r) => !r.onRequest && r.symptoms.includes(id)).map((r) => r.id),
        // Runbooks that answer it only when named with --runbook: a choice, not the fix.
        onRequest: runbooks.filter((r) => r.onRequest && r.symptoms.includes(id)).map((r) => r.id),
      }));
    const width = Math.max(...rows.map((r) => r.id.length));
    const asked = (r: (typeof rows)[number]): string => (r.onRequest.length ? ` (on request: ${r.onRequest.map((id) => `--runbook ${id}`).join(', ')})` : '');
    process.stdout.write(flag(a, 'json') ? JSON.stringify({ schemaVersion: 1, causes: rows }, null, 2) + '\n' : rows.map((r) => `${r.id.padEnd(width)}  ${r.title}${r.fixedBy.length ? `  → ${r.fixedBy.join(', ')}` : '  → needs a human'}${asked(r)}`).join('\n') + '\n');
    return ExitCode.Ok;
  }
  const rows = runbooks.map((rb) => ({
    id: rb.id,
    title: rb.title,
    maxRisk: rb.steps.reduce<Risk>((m, s) => (RISK_RANK[s.risk] > RISK_RANK[m] ? s.risk : m), 'low'),
    symptoms: rb.symptoms,
    onRequest: rb.onRequest,
    steps: rb.steps.length,
    file: rb.source.file,
  }));
  if (flag(a, 'json')) process.stdout.write(JSON.stringify({ schemaVersion: 1, runbooks: rows }, null, 2) + '\n');
  else {
    const width = Math.max(0, ...rows.map((r) => r.id.length));
    process.stdout.write(rows.map((r) => `${r.id.padEnd(width)}  risk ≤ ${r.maxRisk.padEnd(6)} ${r.title}\n${' '.repeat(width)}  ${r.onRequest ? 'only with --runbook; answers' : 'fixes'}: ${r.symptoms.join(', ')}`).join('\n') + '\n');
  }
  return ExitCode.Ok;
}
