// The symptom a person brings: "the client at ADDRESS is refused on PORT". `diagnose`, `plan`
// and `run` take it as `--from` and `--port`; facts, probes and runbooks then answer for that
// client and those ports instead of for "any stranger on port 25". Validated once at the edge
// (the CLI), carried in a saved plan, so `apply` judges the same client.

export interface ClientQuery {
  /** The client's address (a hostname given to --from is resolved to this); null: no --from. */
  address: string | null;
  /** What --from said, when it was a name rather than an address. */
  name: string | null;
  /** --port values in the order given, duplicates removed; null: the default (25 + smtpd ports). */
  ports: number[] | null;
}

export const NO_CLIENT: ClientQuery = { address: null, name: null, ports: null };

/** Did the person bring a symptom at all (--from or --port)? */
export function hasSymptom(q: ClientQuery | null | undefined): q is ClientQuery {
  return q !== null && q !== undefined && (q.address !== null || q.ports !== null);
}

/** A TCP port as --port takes it: 1–65535, decimal digits only. null when it is not one. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= 65535 ? n : null;
}

/** The flags that reproduce the symptom, for the commands diagnose suggests (`--from A --port 587`). */
export function symptomFlags(q: ClientQuery | null | undefined): string[] {
  if (!hasSymptom(q)) return [];
  return [...(q.address !== null ? ['--from', q.address] : []), ...(q.ports ?? []).flatMap((p) => ['--port', String(p)])];
}
