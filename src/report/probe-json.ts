// `postfix-fix probe --json`: the report as is, versioned by schemas/probe-report.schema.json
// (schemaVersion 1; a breaking change bumps it, fields may be added within a version).

import type { ProbeReport } from '../probes/client/types.js';

export function renderProbeJson(report: ProbeReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
