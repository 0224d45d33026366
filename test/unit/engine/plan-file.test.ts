// Saved plans are read through schemas/plan.schema.json: a plan as `plan --out` writes it is
// accepted; a damaged one is refused naming the field and its line; another version's plan is
// refused (exit 5) before this version's schema judges it.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPlanFile } from '../../../src/engine/plan-file.js';
import { UserError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { scratchDir } from '../helpers/context.js';

const BASE = readFileSync(new URL('../../fixtures/hostile/base/plan.json', import.meta.url), 'utf8').replace(/@VERSION@/g, '9.9.9');

function rejection(text: string): UserError {
  const s = scratchDir();
  try {
    const file = join(s.dir, 'plan.json');
    writeFileSync(file, text);
    readPlanFile(file, '9.9.9');
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  } finally {
    s.cleanup();
  }
  throw new Error('the plan was accepted');
}

describe('engine/plan-file: saved plans checked against plan.schema.json', () => {
  it('a plan as `plan --out` wrote it is read back', () => {
    const s = scratchDir();
    try {
      writeFileSync(join(s.dir, 'plan.json'), BASE);
      const plan = readPlanFile(join(s.dir, 'plan.json'), '9.9.9');
      assert.equal(plan.tool.name, 'postfix-fix');
      assert.ok(plan.runbooks.length > 0);
    } finally {
      s.cleanup();
    }
  });

  it('a wrong field is named with its line and column, and what was expected', () => {
    const plan = JSON.parse(BASE) as { runbooks: Array<{ steps: Array<Record<string, unknown>> }> };
    (plan.runbooks[0]?.steps[0] as Record<string, unknown>).risk = 'extreme';
    const text = JSON.stringify(plan, null, 2);
    const e = rejection(text);
    const line = text.split('\n').findIndex((l) => l.includes('"risk": "extreme"')) + 1;
    assert.equal(e.exitCode, ExitCode.InvalidInput);
    assert.match(e.format(), new RegExp(`plan\\.json:${line}:\\d+: runbooks\\[0\\]\\.steps\\[0\\]\\.risk: not a valid postfix-fix plan: value not allowed \\(expected one of "low", "medium", "high"\\)`));
  });

  it('a step that claims a change must carry it', () => {
    const plan = JSON.parse(BASE) as { runbooks: Array<{ steps: Array<Record<string, unknown>> }> };
    const step = plan.runbooks.flatMap((r) => r.steps).find((s) => s.status === 'change') as Record<string, unknown>;
    delete step.change;
    assert.match(rejection(JSON.stringify(plan)).format(), /steps\[\d+\]\.change: not a valid postfix-fix plan: missing required field "change"/);
  });

  it('a field the format does not have is refused, not ignored', () => {
    const plan = JSON.parse(BASE) as Record<string, unknown>;
    plan.extra = true;
    assert.match(rejection(JSON.stringify(plan)).format(), /extra: not a valid postfix-fix plan: unknown field "extra"/);
  });

  it("another version's plan is refused before the schema judges it (exit 5)", () => {
    const plan = JSON.parse(BASE) as Record<string, unknown>;
    plan.schemaVersion = 2;
    plan.runbooks = 'not even a list';
    const e = rejection(JSON.stringify(plan));
    assert.equal(e.exitCode, ExitCode.Refused);
    assert.match(e.message, /plan format version 2 is not 1/);
  });
});
