// postfix-fix(8), generated from the --help texts (src/cli/help.ts) at build time, so that the
// man page and --help cannot say different things. ASCII roff: every `-` is `\-` (what a reader
// copies from the page is what the shell needs), other characters are groff escapes.

import type { HelpBlock, HelpEntry, HelpModel, HelpPage } from './help-model.js';

export interface ManPageOptions {
  version: string;
  /** YYYY-MM-DD */
  date: string;
}

const GLYPHS: Readonly<Record<string, string>> = {
  '—': '\\(em',
  '–': '\\(en',
  '·': '\\(pc',
  '…': '.\\|.\\|.',
  '→': '\\(->',
  '←': '\\(<-',
  '≤': '\\(<=',
  '≥': '\\(>=',
  '×': '\\(mu',
  '‘': '\\(oq',
  '’': '\\(cq',
  '“': '\\(lq',
  '”': '\\(rq',
};

/** Plain text → roff text (no font changes). */
export function roffEscape(text: string): string {
  let out = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  out = out.replace(/[^\x00-\x7f]/gu, (c) => GLYPHS[c] ?? `\\[u${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}]`);
  return out;
}

/** A line of output must not start with a control character. */
function guardLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** Running text: `code` in bold. */
function prose(text: string): string {
  const parts = text.split('`');
  return guardLine(parts.map((p, i) => (i % 2 === 1 ? `\\fB${roffEscape(p)}\\fR` : roffEscape(p))).join(''));
}

/** A synopsis or term: flags and command words bold, METAVARS italic, the rest plain. */
function syntax(text: string, boldWords: readonly string[] = []): string {
  const token = /(--?[A-Za-z][\w-]*)|\b([A-Z][A-Z_]{1,})\b|([a-z][\w-]*)/g;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(token)) {
    out += roffEscape(text.slice(last, m.index));
    const [whole, flag, meta, word] = m;
    if (flag) out += `\\fB${roffEscape(flag)}\\fR`;
    else if (meta) out += `\\fI${roffEscape(meta)}\\fR`;
    else if (word && boldWords.includes(word)) out += `\\fB${roffEscape(word)}\\fR`;
    else out += roffEscape(whole);
    last = (m.index as number) + whole.length;
  }
  return guardLine(out + roffEscape(text.slice(last)));
}

function entries(list: HelpEntry[], termWords: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of list) out.push('.TP', syntax(e.term, termWords), prose(e.text));
  return out;
}

function verbatim(lines: string[]): string[] {
  return ['.PP', '.RS 4', '.nf', ...lines.map((l) => guardLine(roffEscape(l))), '.fi', '.RE'];
}

function blocks(list: HelpBlock[], termWords: readonly string[], skip: (b: HelpBlock) => boolean): string[] {
  const out: string[] = [];
  for (const b of list) {
    if (skip(b)) continue;
    switch (b.kind) {
      case 'para':
        out.push('.PP', prose(b.text));
        break;
      case 'inline':
        out.push('.PP', `\\fB${roffEscape(b.title)}:\\fR ${b.text.split('\n').map(prose).join('\n.br\n')}`);
        break;
      case 'entries':
        if (b.title) out.push('.PP', `\\fB${roffEscape(b.title)}:\\fR`);
        out.push(...entries(b.entries, termWords));
        break;
      case 'verbatim':
        if (b.title) out.push('.PP', `\\fB${roffEscape(b.title)}:\\fR`);
        out.push(...verbatim(b.lines));
        break;
    }
  }
  return out;
}

function commonBlock(page: HelpPage): Extract<HelpBlock, { kind: 'entries' }> | undefined {
  return page.blocks.find((b): b is Extract<HelpBlock, { kind: 'entries' }> => b.kind === 'entries' && b.title === 'Common options');
}

export function renderManPage(model: HelpModel, opts: ManPageOptions): string {
  const { main, commands } = model;
  const first = main.blocks[0];
  if (first?.kind !== 'para' || !/^postfix-fix — /.test(first.text)) throw new Error('help.ts main page: expected "postfix-fix — <summary>" first');
  const summary = first.text.replace(/^postfix-fix — /, '').replace(/\.$/, '');
  const commandNames = commands.map((c) => c.name);

  // The common options are the same block on every command page: printed once.
  const common = commands.map(commonBlock).find((b) => b !== undefined);
  if (!common) throw new Error('help.ts: no "Common options" block');
  const commonText = JSON.stringify(common.entries);
  for (const c of commands) {
    const b = commonBlock(c);
    if (b && JSON.stringify(b.entries) !== commonText) throw new Error(`help.ts: the common options of "${c.name}" differ from the others`);
  }
  const exitCodes = main.blocks.find((b): b is Extract<HelpBlock, { kind: 'entries' }> => b.kind === 'entries' && b.title === 'Exit codes');
  if (!exitCodes) throw new Error('help.ts main page: no "Exit codes:" list');
  // Paragraphs right after the table qualify it (diagnose --format nagios): EXIT STATUS, too.
  const exitNotes: HelpBlock[] = [];
  for (const b of main.blocks.slice(main.blocks.indexOf(exitCodes) + 1)) {
    if (b.kind !== 'para') break;
    exitNotes.push(b);
  }

  const out: string[] = [
    `.\\" postfix-fix(8). Generated from src/cli/help.ts by scripts/build-deb.ts: edit help.ts, not this.`,
    `.TH POSTFIX\\-FIX 8 "${opts.date}" "postfix\\-fix ${roffEscape(opts.version)}" "System Administration"`,
    '.nh',
    '.ad l',
    '.SH NAME',
    `postfix\\-fix \\- ${roffEscape(summary)}`,
    '.SH SYNOPSIS',
  ];
  const synopses = [main.usage, ...commands.map((c) => c.usage)].filter((u): u is string => u !== null);
  synopses.forEach((u, i) => out.push(...(i > 0 ? ['.br'] : []), syntax(u, ['postfix-fix', ...commandNames])));

  out.push('.SH DESCRIPTION');
  out.push(...blocks(main.blocks.slice(1), commandNames, (b) => b === exitCodes || exitNotes.includes(b)));

  out.push('.SH COMMANDS');
  for (const c of commands) {
    out.push(`.SS ${c.name}`);
    if (c.usage) out.push(syntax(c.usage, ['postfix-fix', c.name]));
    out.push(...blocks(c.blocks, [], (b) => b.kind === 'entries' && b.title === 'Common options'));
    if (commonBlock(c)) out.push('.PP', 'And the \\fBCOMMON OPTIONS\\fR.');
  }

  out.push('.SH COMMON OPTIONS', ...entries(common.entries, []));
  out.push('.SH EXIT STATUS', ...entries(exitCodes.entries, []), ...blocks(exitNotes, [], () => false));
  out.push(
    '.SH ENVIRONMENT',
    '.TP',
    '.B POSTFIX_FIX_STATE_DIR',
    'the state directory when \\fB\\-\\-state\\-dir\\fR is not given (default \\fI/var/lib/postfix\\-fix\\fR).',
    '.TP',
    '.B POSTFIX_FIX_DATA_DIR',
    'load the built\\-in runbooks and distro profiles from this directory instead of \\fI/usr/share/postfix\\-fix\\fR.',
    '.TP',
    '.B NO_COLOR',
    'no colour in the output (colour is only used on a terminal anyway).',
    '.SH FILES',
    '.TP',
    '.I /usr/share/postfix\\-fix/runbooks/*.yaml',
    'the built\\-in runbooks: one fix each, with its steps, risks, rollback and verification (\\fBpostfix\\-fix list\\fR).',
    '.TP',
    '.I /usr/share/postfix\\-fix/distro\\-profiles/*.yaml',
    'per\\-distribution paths, commands and defaults (\\fBpostfix\\-fix profile\\fR).',
    '.TP',
    '.I /usr/share/postfix\\-fix/schemas/*.json',
    'JSON Schemas for runbooks, profiles, policies and the JSON reports.',
    '.TP',
    '.I /usr/share/doc/postfix\\-fix/examples/',
    'a Nagios command definition and an Icinga 2 CheckCommand for \\fBdiagnose \\-\\-format nagios\\fR; \\fIwatch.yaml\\fR, an example watch policy.',
    '.TP',
    '.I /etc/postfix\\-fix/watch.yaml',
    'the policy of \\fBpostfix\\-fix watch\\fR (not shipped: copy the example, mode 0600): runbooks allowed, the riskiest step, back\\-off, where notices go.',
    '.TP',
    '.I /usr/lib/systemd/system/postfix\\-fix\\-watch.timer',
    'runs \\fIpostfix\\-fix\\-watch.service\\fR (\\fBpostfix\\-fix watch \\-\\-once\\fR) a minute after it starts, then every 5 minutes. Shipped disabled: \\fBsystemctl enable \\-\\-now postfix\\-fix\\-watch.timer\\fR.',
    '.TP',
    '.I /var/lib/postfix\\-fix',
    'the state directory (mode 0700, created on first use): the lock, one directory per run with its journal, command log and report, which \\fBpostfix\\-fix rollback\\fR reads, and \\fIwatch/state.json\\fR (what the last watch tick found, recent fixes per cause for back\\-off). Removing the package keeps it; purging the package deletes it.',
    '.SH SEE ALSO',
    '.BR postfix (1),',
    '.BR postconf (1),',
    '.BR postconf (5),',
    '.BR master (8)',
    '',
  );
  return out.join('\n');
}
