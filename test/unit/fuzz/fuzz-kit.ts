// Shared by the fuzz tests: a fixed (or reported) seed, mutators for real fixtures, the rule for
// what counts as a crash, and the one summary line CI quotes: `fuzz: N cases, 0 crashes`.

import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

/** Fixed by default so CI is reproducible; override to explore: POSTFIX_FIX_FUZZ_SEED=… */
export const SEED = Number(process.env.POSTFIX_FIX_FUZZ_SEED ?? 20261127);
/** Scales every property's number of runs (3 keeps the whole fuzz suite near 20 s; it must stay ≲ 60 s). */
export const SCALE = Number(process.env.POSTFIX_FIX_FUZZ_SCALE ?? 3);

export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

const tally = { cases: 0, properties: 0, crashes: 0 };

/** Assert a property, counting its cases for the summary. */
export function check<T>(arb: Arbitrary<T>, numRuns: number, predicate: (v: T) => void): void {
  tally.properties++;
  try {
    fc.assert(
      fc.property(arb, (v) => {
        tally.cases++;
        predicate(v);
      }),
      { numRuns: runs(numRuns), seed: SEED },
    );
  } catch (e) {
    tally.crashes++;
    throw e;
  }
}

export async function checkAsync<T>(arb: Arbitrary<T>, numRuns: number, predicate: (v: T) => Promise<void>): Promise<void> {
  tally.properties++;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        tally.cases++;
        await predicate(v);
      }),
      { numRuns: runs(numRuns), seed: SEED },
    );
  } catch (e) {
    tally.crashes++;
    throw e;
  }
}

// Registered on mocha's root suite (this module is first imported while files load): printed once,
// after every test, whichever fuzz files ran.
// (Guarded so the arbitraries can be sampled from a script outside mocha.)
if (typeof after === 'function') after(() => {
  if (tally.properties > 0) console.log(`\nfuzz: ${tally.cases} cases, ${tally.crashes} crashes (${tally.properties} properties, seed ${SEED})`);
});

/** A bug, as opposed to a parser saying "this is not what I expected". */
export function isCrash(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || !(e instanceof Error);
}

/** Run `fn`; a thrown error must satisfy `allowed`, else it is rethrown with the input attached. */
export function onlyTyped(input: unknown, allowed: (e: unknown) => boolean, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (allowed(e)) return;
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${err.name}: ${err.message}\n  on input: ${JSON.stringify(input)?.slice(0, 2000)}`;
    throw err;
  }
}

const bytesChar = fc.string({ unit: 'binary', minLength: 0, maxLength: 12 });
const tricky = fc.constantFrom('\n', '\r\n', '\t', ' ', ':', '-', '#', '"', "'", '{', '}', '[', ']', '&a', '*a', '!!', '%', '|', '>', '=', ',', '\0', '\u00a0', '\ufeff', '\u2028', '$(', '`', ';', '\\', '0x', '-1', '1e400', 'NaN', '::', '%lo', '->', '[0:0]');

type Op = { kind: 'delete' | 'insert' | 'dupline' | 'dropline' | 'swap' | 'truncate'; at: number; len: number; text: string };

const op: Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'dupline', 'dropline', 'swap', 'truncate'),
  at: fc.nat(),
  len: fc.nat({ max: 40 }),
  text: fc.oneof(bytesChar, tricky),
});

function applyOp(s: string, o: Op): string {
  const lines = s.split('\n');
  const at = s.length === 0 ? 0 : o.at % (s.length + 1);
  const li = o.at % Math.max(1, lines.length);
  switch (o.kind) {
    case 'delete':
      return s.slice(0, at) + s.slice(at + o.len);
    case 'insert':
      return s.slice(0, at) + o.text + s.slice(at);
    case 'dupline':
      return [...lines.slice(0, li + 1), lines[li] ?? '', ...lines.slice(li + 1)].join('\n');
    case 'dropline':
      return [...lines.slice(0, li), ...lines.slice(li + 1)].join('\n');
    case 'swap': {
      const lj = (li + 1 + o.len) % Math.max(1, lines.length);
      const out = [...lines];
      [out[li], out[lj]] = [out[lj] ?? '', out[li] ?? ''];
      return out.join('\n');
    }
    case 'truncate':
      return s.slice(0, at);
  }
}

/** A real fixture with 1–6 random edits: close enough to valid to reach the deep code paths. */
export function mutatedText(bases: readonly string[]): Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(op, { minLength: 1, maxLength: 6 })).map(([base, ops]) => ops.reduce(applyOp, base));
}

/** Anything at all: unicode, control bytes, very long lines. */
export const junkText: Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.array(fc.oneof(bytesChar, tricky), { maxLength: 60 }).map((xs) => xs.join('')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 2000 }),
);

/** A JSON-like value with one node (chosen by `at`) replaced by an arbitrary JSON value. */
export function mutatedJson(bases: readonly unknown[]): Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(fc.tuple(fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, undefined, -1, 1e308, '', [], {}, '__proto__'))), { minLength: 1, maxLength: 4 }))
    .map(([base, edits]) => edits.reduce((v, [at, repl]) => replaceNth(v, at, repl), structuredClone(base)));
}

function replaceNth(root: unknown, n: number, repl: unknown): unknown {
  const nodes: Array<{ parent: Record<string, unknown> | unknown[] | null; key: string | number }> = [{ parent: null, key: '' }];
  const visit = (v: unknown): void => {
    if (nodes.length > 5000) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        nodes.push({ parent: v, key: i });
        visit(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: k });
        visit(x);
      }
    }
  };
  visit(root);
  const target = nodes[n % nodes.length] as (typeof nodes)[number];
  if (target.parent === null) return repl;
  if (repl === undefined && !Array.isArray(target.parent)) delete (target.parent as Record<string, unknown>)[target.key as string];
  else (target.parent as Record<string | number, unknown>)[target.key] = repl;
  return root;
}
