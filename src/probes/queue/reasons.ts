// Why mail is deferred, from the `reason=` lines Postfix keeps per message in the defer/ logs:
// greylisting (a 4xx "try again later" that fixes itself), connect timeouts (port 25 blocked on
// the way out, or the far side down), refusals, DNS, and the content filter.

export type DeferKind = 'greylisting' | 'connect-timeout' | 'connect-refused' | 'dns' | 'content-filter' | 'other';

export function classifyDeferReason(reason: string, contentFilter: { host: string; port: number } | null): DeferKind {
  if (contentFilter && reason.includes(`[${contentFilter.host}]:${contentFilter.port}`)) return 'content-filter';
  if (/greylist|grey-list|graylist|try again later|temporarily (deferred|rejected)|4\.7\.1.*(later|retry)|450 4\.2\.0/i.test(reason)) return 'greylisting';
  if (/Connection timed out|timed out while/i.test(reason)) return 'connect-timeout';
  if (/Connection refused/i.test(reason)) return 'connect-refused';
  if (/Host or domain name not found|Name service error|no MX host|MX record/i.test(reason)) return 'dns';
  return 'other';
}

/** `reason=…` values from a defer logfile (one block per recipient). */
export function parseDeferLog(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('reason='))
    .map((l) => l.slice('reason='.length).trim());
}
