// A diagnose report as the user asked for it: text (colour only on a terminal, NO_COLOR
// respected), markdown for a ticket, JSON, a Nagios/Icinga check or Prometheus metrics — always
// with secrets from main.cf redacted. The format also decides the exit code: the published table
// (0 healthy, 7, 4), except for nagios, whose exit code is the monitoring-plugins state.

import type { HostFs } from '../core/host-fs.js';
import type { DiagnoseReport } from '../engine/diagnose-report.js';
import { createColours, wantColour } from './colour.js';
import { renderDiagnoseJson } from './diagnose-json.js';
import { renderDiagnoseMarkdown } from './diagnose-markdown.js';
import { renderDiagnoseNagios } from './diagnose-nagios.js';
import { renderDiagnosePrometheus } from './diagnose-prometheus.js';
import { renderDiagnoseText } from './diagnose-text.js';
import { redactorForHost } from '../core/redact.js';

export type DiagnoseFormat = 'text' | 'markdown' | 'json' | 'nagios' | 'prometheus';

export interface DiagnoseRenderOptions {
  format: DiagnoseFormat;
  fs: Pick<HostFs, 'tryReadText'>;
  configDir: string | null | undefined;
  noColor: boolean;
  /** The whole check's wall time (nagios and prometheus report it); default: the report's. */
  checkDurationMs?: number;
  /** When the check finished (prometheus); default: now. */
  nowMs?: number;
}

export interface RenderedDiagnose {
  text: string;
  exitCode: number;
}

export async function renderDiagnose(report: DiagnoseReport, o: DiagnoseRenderOptions): Promise<RenderedDiagnose> {
  const shown = (await redactorForHost(o.fs, o.configDir)).json(report);
  const checkDurationMs = o.checkDurationMs ?? report.durationMs;
  switch (o.format) {
    case 'json':
      return { text: renderDiagnoseJson(shown), exitCode: report.exitCode };
    case 'markdown':
      return { text: renderDiagnoseMarkdown(shown), exitCode: report.exitCode };
    case 'nagios': {
      const n = renderDiagnoseNagios(shown, { checkDurationMs });
      return { text: n.text, exitCode: n.exitCode };
    }
    case 'prometheus':
      return { text: renderDiagnosePrometheus(shown, { checkDurationMs, nowMs: o.nowMs ?? Date.now() }), exitCode: report.exitCode };
    default:
      return { text: renderDiagnoseText(shown, createColours(wantColour({ stream: process.stdout, env: process.env, noColor: o.noColor }))), exitCode: report.exitCode };
  }
}
