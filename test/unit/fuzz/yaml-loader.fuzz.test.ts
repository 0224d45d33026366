// The YAML loader on anything: arbitrary strings and bytes, and real runbooks, profiles and
// policies with random edits. The only acceptable failure is a UserError (UserErrors is one):
// a message with file:line:col, never a TypeError or a hang.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../../src/core/errors.js';
import { parseProfileDoc, resolveProfiles } from '../../../src/engine/catalog/profile.js';
import { parseRunbook } from '../../../src/engine/catalog/runbook.js';
import { parseYaml } from '../../../src/engine/catalog/yaml-source.js';
import { loadPolicy } from '../../../src/engine/policy.js';
import { createModuleRegistry } from '../../../src/modules/registry.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { check, junkText, mutatedText, onlyTyped } from './fuzz-kit.js';

const modules = createModuleRegistry();
const repo = new URL('../../../', import.meta.url).pathname;
const texts = (dir: string): string[] => readdirSync(join(repo, dir)).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(repo, dir, f), 'utf8'));
const RUNBOOKS = texts('runbooks');
const PROFILES = texts('distro-profiles');
const POLICIES = ['max_risk: medium\nallow: [inet-interfaces, postfix-service]\n', 'forbid: [port-conflict]\n', '# only low risk\nmax_risk: low\n'];

const isUser = (e: unknown): boolean => e instanceof UserError;

function loadAll(text: string | Buffer): void {
  const src = parseYaml('/fuzz/input.yaml', text);
  onlyTyped(text.toString(), isUser, () => parseRunbook(src, modules));
  onlyTyped(text.toString(), isUser, () => resolveProfiles([parseProfileDoc(src)]));
}

describe('fuzz: YAML loader (parseYaml, parseRunbook, parseProfileDoc, loadPolicy)', function () {
  this.timeout(60_000);
  let s: Scratch;
  before(() => (s = scratchDir()));
  after(() => s.cleanup());

  it('arbitrary text: a UserError or a value, nothing else', () => {
    check(junkText, 400, (text) => onlyTyped(text, isUser, () => loadAll(text)));
  });

  it('arbitrary bytes (invalid UTF-8, BOMs, NULs): a UserError or a value', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.constantFrom([0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], []), fc.uint8Array({ maxLength: 100 })).map(([bom, rest]) => Uint8Array.from([...bom, ...rest])),
    );
    check(bytes, 300, (b) => onlyTyped([...b], isUser, () => loadAll(Buffer.from(b))));
  });

  it('real runbooks with random edits', () => {
    check(mutatedText(RUNBOOKS), 500, (text) => onlyTyped(text, isUser, () => loadAll(text)));
  });

  it('real profiles with random edits', () => {
    check(mutatedText(PROFILES), 300, (text) => onlyTyped(text, isUser, () => loadAll(text)));
  });

  it('policies with random edits (through the file reader)', () => {
    const known = new Set(['inet-interfaces', 'postfix-service', 'port-conflict']);
    let i = 0;
    check(fc.oneof(mutatedText(POLICIES), junkText), 150, (text) => {
      const file = join(s.dir, `policy-${i++ % 8}.yaml`);
      writeFileSync(file, text);
      onlyTyped(text, isUser, () => loadPolicy(file, known));
    });
  });

  it('alias-heavy documents stay bounded: rejected or loaded, fast', () => {
    // Chains of anchors where each level refers to the previous one 1-9 times.
    const bomb = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 9 }), fc.boolean()).map(([levels, fan, flow]) => {
      const lines = ['a0: &a0 [x, y]'];
      for (let l = 1; l <= levels; l++) lines.push(`a${l}: &a${l} ${flow ? '[' : '\n  - '}${Array.from({ length: fan }, () => `*a${l - 1}`).join(flow ? ', ' : '\n  - ')}${flow ? ']' : ''}`);
      return `id: bomb\n${lines.join('\n')}\n`;
    });
    check(bomb, 120, (text) => {
      const started = Date.now();
      onlyTyped(text, isUser, () => loadAll(text));
      if (Date.now() - started > 2000) throw new Error(`took ${Date.now() - started} ms:\n${text}`);
    });
  });
});
