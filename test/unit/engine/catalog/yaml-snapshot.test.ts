import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, UserErrors } from '../../../../src/core/errors.js';
import { parseRunbook } from '../../../../src/engine/catalog/runbook.js';
import { decodeSnapshot, encodeSnapshot } from '../../../../src/engine/catalog/yaml-snapshot.js';
import { parseYaml } from '../../../../src/engine/catalog/yaml-source.js';
import { createModuleRegistry } from '../../../../src/modules/registry.js';

const REPO = new URL('../../../../', import.meta.url).pathname;
const BUILT_IN = ['runbooks', 'distro-profiles'].flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO, d, f)));
const NONE = new Map<string, string>();

describe('catalog: the build-time YAML snapshot', () => {
  it('every built-in file gives, through the snapshot, exactly what parsing it gives', () => {
    const parsed = BUILT_IN.map((f) => parseYaml(f, readFileSync(f), NONE));
    const snapshot = decodeSnapshot(encodeSnapshot(parsed));
    assert.equal(snapshot.size, BUILT_IN.length, 'every built-in file is in it');
    for (const f of BUILT_IN) {
      const fromSnapshot = parseYaml(f, readFileSync(f), snapshot);
      assert.deepStrictEqual(fromSnapshot.value, parseYaml(f, readFileSync(f), NONE).value, f);
      assert.equal(fromSnapshot.text, readFileSync(f, 'utf8'));
    }
  });

  it('only the exact text is looked up; any other text is parsed', () => {
    const text = 'id: demo\ntitle: Demo\n';
    const snapshot = decodeSnapshot(encodeSnapshot([{ text, value: { from: 'snapshot' } }]));
    assert.deepEqual(parseYaml('a.yaml', text, snapshot).value, { from: 'snapshot' });
    assert.deepEqual(parseYaml('a.yaml', `${text}# one more line\n`, snapshot).value, { id: 'demo', title: 'Demo' });
    assert.deepEqual(parseYaml('a.yaml', text.replace('Demo', 'Demp'), snapshot).value, { id: 'demo', title: 'Demp' });
  });

  it('each hit is a fresh value, as a parse would be', () => {
    const text = 'ports: [25, 587]\n';
    const snapshot = decodeSnapshot(encodeSnapshot([parseYaml('p.yaml', text, NONE)]));
    const first = parseYaml('p.yaml', text, snapshot).value as { ports: number[] };
    first.ports.push(2525);
    assert.deepEqual(parseYaml('p.yaml', text, snapshot).value, { ports: [25, 587] });
  });

  it('an error in a snapshotted file still points at its file, line and column', () => {
    const modules = createModuleRegistry();
    const text = 'id: demo\ntitle: Demo\ndescription: d\nsymptoms: [postfix-stopped]\nsteps:\n  - name: s\n    module: no-such-module\n    risk: low\nverify:\n  - name: banner\n    module: smtp\n    args: { port: 25 }\n';
    const snapshot = decodeSnapshot(encodeSnapshot([parseYaml('r.yaml', text, NONE)]));
    const message = (src: ReturnType<typeof parseYaml>): string => {
      try {
        parseRunbook(src, modules);
      } catch (e) {
        if (e instanceof UserErrors) return e.errors.map((x) => x.format()).join('\n');
        if (e instanceof UserError) return e.format();
        throw e;
      }
      return assert.fail('expected the runbook to be rejected');
    };
    const viaSnapshot = message(parseYaml('r.yaml', text, snapshot));
    assert.equal(viaSnapshot, message(parseYaml('r.yaml', text, NONE)));
    assert.match(viaSnapshot, /^r\.yaml:7:/m);
  });

  it('a valid snapshotted runbook is read without parsing its text; its steps still know their lines', () => {
    const modules = createModuleRegistry();
    const file = join(REPO, 'runbooks', 'postfix-service.yaml');
    const text = readFileSync(file, 'utf8');
    const snapshot = decodeSnapshot(encodeSnapshot([parseYaml(file, text, NONE)]));
    const src = parseYaml(file, text, snapshot);
    let located = 0;
    const counting = { ...src, locate: (path: string, prefer?: 'key' | 'value') => (located++, src.locate(path, prefer)) };
    const rb = parseRunbook(counting, modules);
    assert.equal(located, 0, 'no position was worked out (each costs a full parse)');
    const step = rb.steps[0];
    assert.ok(step);
    const expected = parseYaml(file, text, NONE).locate('steps[0]');
    assert.deepEqual({ file: step.location.file, line: step.location.line, column: step.location.column }, expected);
    assert.equal(located, 1);
  });

  it('values JSON cannot carry exactly (.inf, .nan) are left out, to be parsed at run time', () => {
    const kept = parseYaml('k.yaml', 'a: 1\n', NONE);
    const inf = parseYaml('i.yaml', 'limit: .inf\n', NONE);
    const snapshot = decodeSnapshot(encodeSnapshot([kept, inf]));
    assert.deepEqual([...snapshot.keys()], ['a: 1\n']);
    assert.equal((parseYaml('i.yaml', 'limit: .inf\n', snapshot).value as { limit: number }).limit, Infinity);
  });
});
