import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isPrecompiled } from '../../../src/core/validate.js';
import { allSchemas } from '../../../src/engine/catalog/schema-set.js';
import { generateValidators } from '../../../scripts/gen-validators.js';

describe('build-time schema validators', () => {
  it('every schema in use is precompiled (a stale set would make every command compile schemas at start)', () => {
    for (const s of allSchemas()) assert.ok(isPrecompiled(s), `not precompiled: ${JSON.stringify(s).slice(0, 80)} — run npm run gen`);
  });

  it('the committed generated file is what the generator produces now', () => {
    const committed = readFileSync(new URL('../../../src/core/validators.generated.ts', import.meta.url), 'utf8');
    assert.equal(committed, generateValidators(), 'stale: run npm run gen');
  });
});
