// The executor hands argv to /bin/sh (zx), so everything rests on quoting: for any string `s`,
// `printf %s s` must print exactly `s`, and a string built to run a command must never run it.
// Runs only printf on this machine; the canary path lives in a scratch directory.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { AuditLog } from '../../../src/exec/audit.js';
import { createExecutor } from '../../../src/exec/executor.js';
import { quoteArg } from '../../../src/exec/quote.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

// argv is UTF-8 bytes: a lone surrogate cannot survive the trip, whatever the quoting.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RUNS = Number(process.env.POSTFIX_FIX_FUZZ_EXEC_RUNS ?? 300);
const SEED = Number(process.env.POSTFIX_FIX_FUZZ_SEED ?? 8080);

describe('executor quoting (property-based)', function () {
  this.timeout(120_000);
  let s: Scratch;
  before(() => (s = scratchDir()));
  after(() => s.cleanup());

  it(`printf %s s prints exactly s, and no injected command runs (${RUNS} cases, seed ${SEED})`, async () => {
    const exec = createExecutor({ audit: new AuditLog(), defaultTimeoutMs: 10_000 });
    const canary = join(s.dir, 'pwned');
    const payloads = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `; touch ${canary}`,
      `&& touch ${canary}`,
      `| touch ${canary}`,
      `\ntouch ${canary}\n`,
      `'; touch ${canary}; '`,
      `"; touch ${canary}; "`,
      `$'\\x27'; touch ${canary}`,
      `\${IFS}touch\${IFS}${canary}`,
      `> ${canary}`,
      `*`,
      `~root`,
      `-n`,
      `%s%s%n`,
    ];
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'$`\'"\\;|&<>(){}[]*?!#~= \t\n\r%-'.split('')), maxLength: 20 }),
      fc.constantFrom(...payloads),
    );
    const arb = fc.array(piece, { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')).filter((x) => !x.includes('\0') && !LONE_SURROGATE.test(x));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (str) => {
        cases++;
        const r = await exec.run(['printf', '%s', str]);
        assert.equal(r.exitCode, 0, r.stderr);
        assert.equal(r.stdout, str);
        assert.ok(!existsSync(canary), `a command ran for ${JSON.stringify(str)}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Long values (a 64 KiB main.cf value) and every single byte are passed whole too.
    const long = `${payloads.join(' ')} ${'x'.repeat(64 * 1024)}`;
    assert.equal((await exec.run(['printf', '%s', long])).stdout, long);
    const bytes = Array.from({ length: 255 }, (_x, i) => String.fromCharCode(i + 1)).join('');
    assert.equal((await exec.run(['printf', '%s', bytes])).stdout, bytes);
    assert.deepEqual(readdirSync(s.dir), []);
    console.log(`      executor: ${cases + 2} strings through /bin/sh, 0 commands injected (seed ${SEED})`);
  });

  it('quoteArg makes one word of anything, and refuses NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }).filter((x) => !x.includes('\0')), (str) => {
        const q = quoteArg(str);
        // Either a plain safe word or one single-quoted string whose quotes are all escaped.
        assert.ok(/^[A-Za-z0-9_@%+=:,./-]+$/.test(q) || /^'([^']|'\\'')*'$/.test(q), q);
      }),
      { numRuns: 2000, seed: SEED },
    );
    assert.throws(() => quoteArg('a\0b'), /NUL/);
  });
});
