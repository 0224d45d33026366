export interface Timing {
  runs: number[];
  medianMs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** One unmeasured warm-up run, then `n` measured runs, sequential. */
export async function timeRuns(n: number, once: () => Promise<void>, before?: () => Promise<void>): Promise<Timing> {
  await before?.();
  await once();
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    await before?.();
    const t = performance.now();
    await once();
    runs.push(Math.round(performance.now() - t));
  }
  return { runs, medianMs: median(runs) };
}

/** Two commands alternated run by run, so a busy machine slows both alike. */
export async function timeInterleaved(n: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[Timing, Timing]> {
  await a();
  await b();
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [fn, out] of (i % 2 === 0 ? [[a, ra], [b, rb]] : [[b, rb], [a, ra]]) as Array<[() => Promise<void>, number[]]>) {
      const t = performance.now();
      await fn();
      out.push(Math.round(performance.now() - t));
    }
  }
  return [{ runs: ra, medianMs: median(ra) }, { runs: rb, medianMs: median(rb) }];
}
