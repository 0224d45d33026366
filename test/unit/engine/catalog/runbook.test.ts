import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, UserErrors } from '../../../../src/core/errors.js';
import { loadRunbooks } from '../../../../src/engine/catalog/load.js';
import { parseRunbook } from '../../../../src/engine/catalog/runbook.js';
import { parseYaml, readYamlFile } from '../../../../src/engine/catalog/yaml-source.js';
import { createModuleRegistry } from '../../../../src/modules/registry.js';

const modules = createModuleRegistry();

const GOOD = `id: demo
title: Demo
description: A runbook used by the tests.
symptoms: [postfix-stopped]
variables:
  ports: { type: "number[]", default: [25, 587], description: mail ports }
steps:
  - name: start postfix
    module: service
    args: { service: "{{ profile.services.postfix }}", state: started }
    risk: low
    when: { fact: init.manager, in: [systemd, direct] }
verify:
  - name: banner
    module: smtp
    args: { port: 25 }
`;

/** Parse `text` as runbook `name`; return the single formatted error (or throw if it parsed). */
function errorsOf(text: string, file = 'bad.yaml'): string[] {
  try {
    parseRunbook(parseYaml(file, text), modules);
  } catch (e) {
    if (e instanceof UserErrors) return e.errors.map((x) => x.format());
    if (e instanceof UserError) return [e.format()];
    throw e;
  }
  assert.fail('expected the runbook to be rejected');
}

describe('runbook loader', () => {
  it('accepts a valid runbook and types it', () => {
    const rb = parseRunbook(parseYaml('good.yaml', GOOD), modules);
    assert.equal(rb.id, 'demo');
    assert.equal(rb.steps[0]?.id, 'demo#1');
    assert.deepEqual(rb.variables.ports?.default, [25, 587]);
    assert.equal(rb.steps[0]?.location.line, 8);
    assert.match(rb.source.sha256, /^[0-9a-f]{64}$/);
  });

  it('YAML syntax error: file:line:column', () => {
    const [e] = errorsOf('id: demo\nsteps: [\n  - a\n', 'syntax.yaml');
    assert.match(e ?? '', /^syntax\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('wrong type: names the field and the expected type', () => {
    const errs = errorsOf(GOOD.replace('title: Demo', 'title: [not, a, string]'));
    assert.ok(errs.some((e) => /^bad\.yaml:2:8: title: wrong type \(expected string\)$/.test(e)), errs.join('\n'));
  });

  it('unknown module: lists the modules there are', () => {
    const errs = errorsOf(GOOD.replace('module: service', 'module: servise'));
    assert.ok(errs.some((e) => /^bad\.yaml:9:13: steps\[0\]\.module: unknown module "servise" \(expected one of: .*service/.test(e)), errs.join('\n'));
  });

  it('unknown field: names it where it is', () => {
    const errs = errorsOf(GOOD.replace('    risk: low', '    risk: low\n    retries: 3'));
    assert.ok(errs.some((e) => /^bad\.yaml:12:5: steps\[0\]\.retries: unknown field "retries" \(expected one of: name, module, args, risk, when, rollback\)$/.test(e)), errs.join('\n'));
  });

  it('missing id', () => {
    const errs = errorsOf(GOOD.replace('id: demo\n', ''));
    assert.ok(errs.some((e) => /^bad\.yaml:1:1: id: missing required field "id"$/.test(e)), errs.join('\n'));
  });

  it('duplicate id across files names both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-rb-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), GOOD);
      writeFileSync(join(dir, 'b.yaml'), GOOD);
      const errors: UserError[] = [];
      loadRunbooks([join(dir, 'a.yaml'), join(dir, 'b.yaml')], modules, errors);
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.format() ?? '', /b\.yaml:1:1: id: duplicate runbook id "demo" \(also defined in .*a\.yaml\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a `when` that references an unknown fact', () => {
    const errs = errorsOf(GOOD.replace('fact: init.manager', 'fact: init.manger'));
    assert.ok(errs.some((e) => /^bad\.yaml:12:13: steps\[0\]\.when\.fact: unknown fact "init\.manger"/.test(e)), errs.join('\n'));
  });

  it('empty file', () => {
    assert.deepEqual(errorsOf(''), ['bad.yaml:1:1: file is empty (expected a YAML mapping)']);
    assert.deepEqual(errorsOf('# only a comment\n---\n'), ['bad.yaml:1:1: file is empty (expected a YAML mapping)']);
  });

  it('binary junk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-rb-'));
    try {
      writeFileSync(join(dir, 'junk.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff, 0xfe]));
      assert.throws(() => readYamlFile(join(dir, 'junk.yaml')), (e: UserError) => /junk\.yaml:1:1: not a text file/.test(e.format()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('module args are checked against the module schema', () => {
    const errs = errorsOf(GOOD.replace('state: started', 'state: running'));
    assert.ok(errs.some((e) => /steps\[0\]\.args\.state: value not allowed \(expected one of "started", "stopped"\)/.test(e)), errs.join('\n'));
  });

  it('templates must name a declared variable, a known fact or a known profile field', () => {
    const errs = errorsOf(GOOD.replace('{{ profile.services.postfix }}', '{{ var.unit }}'));
    assert.ok(errs.some((e) => /steps\[0\]\.args\.service: unknown variable "unit" in template \(expected one of: ports\)/.test(e)), errs.join('\n'));
  });

  it('unknown symptom (a cause diagnose never reports)', () => {
    const errs = errorsOf(GOOD.replace('[postfix-stopped]', '[postfix-sad]'));
    assert.ok(errs.some((e) => /^bad\.yaml:4:\d+: symptoms\[0\]: unknown symptom "postfix-sad"/.test(e)), errs.join('\n'));
  });

  it('variable default of the wrong type', () => {
    const errs = errorsOf(GOOD.replace('default: [25, 587]', 'default: "25"'));
    assert.ok(errs.some((e) => /variables\.ports\.default: default does not match the declared type \(expected a number\[\]\)/.test(e)), errs.join('\n'));
  });

  it('a check with two forms is rejected', () => {
    const errs = errorsOf(GOOD.replace('  - name: banner\n', '  - name: banner\n    gone: postfix-stopped\n'));
    assert.ok(errs.some((e) => /verify\[0\]: a check takes only one of module, gone/.test(e)), errs.join('\n'));
  });

  it('reports every problem of a file, not just the first', () => {
    const errs = errorsOf(GOOD.replace('title: Demo', 'title: 5').replace('risk: low', 'risk: extreme'));
    assert.ok(errs.length >= 2, errs.join('\n'));
  });
});
