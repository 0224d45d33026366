// A diagnose report as the user asked for it: text (colour only on a terminal, NO_COLOR
// respected), markdown for a ticket, or JSON — always with secrets from main.cf redacted.

import type { HostFs } from '../core/host-fs.js';
import type { DiagnoseReport } from '../engine/diagnose-report.js';
import { createColours, wantColour } from './colour.js';
import { renderDiagnoseJson } from './diagnose-json.js';
import { renderDiagnoseMarkdown } from './diagnose-markdown.js';
import { renderDiagnoseText } from './diagnose-text.js';
import { redactorForHost } from '../core/redact.js';

export interface DiagnoseRenderOptions {
  format: 'text' | 'markdown' | 'json';
  fs: Pick<HostFs, 'tryReadText'>;
  configDir: string | null | undefined;
  noColor: boolean;
}

export async function renderDiagnose(report: DiagnoseReport, o: DiagnoseRenderOptions): Promise<string> {
  const shown = (await redactorForHost(o.fs, o.configDir)).json(report);
  if (o.format === 'json') return renderDiagnoseJson(shown);
  if (o.format === 'markdown') return renderDiagnoseMarkdown(shown);
  return renderDiagnoseText(shown, createColours(wantColour({ stream: process.stdout, env: process.env, noColor: o.noColor })));
}
