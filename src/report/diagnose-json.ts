// diagnose as JSON for scripts and monitoring: the report as is, described by
// schemas/diagnose-report.schema.json (schemaVersion 1; a breaking change bumps it).

import type { DiagnoseReport } from '../engine/diagnose-report.js';

export function renderDiagnoseJson(report: DiagnoseReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
