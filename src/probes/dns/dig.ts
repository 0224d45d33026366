// `dig +noall +comments +answer` output → status and answers. dig reports a dead resolver on
// stdout (";; communications error … timed out", ";; no servers could be reached") and exits 9.

export type DnsStatus = 'ok' | 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'error';

export interface DnsAnswer {
  status: DnsStatus;
  /** RDATA of answers of the asked type: `10 mx.example.com.` for MX, an address for A/AAAA. */
  records: string[];
  detail: string;
}

export function parseDig(stdout: string, type: string): DnsAnswer {
  const header = /status: ([A-Z]+)/.exec(stdout);
  if (!header) {
    const err = stdout.split('\n').find((l) => /timed out|no servers could be reached|unreachable|refused/i.test(l));
    if (err) return { status: 'timeout', records: [], detail: err.replace(/^;;\s*/, '') };
    return { status: 'error', records: [], detail: stdout.trim().split('\n')[0] ?? 'no answer' };
  }
  const rcode = header[1] as string;
  if (rcode === 'NXDOMAIN') return { status: 'nxdomain', records: [], detail: 'NXDOMAIN: the name does not exist' };
  if (rcode !== 'NOERROR') return { status: rcode === 'SERVFAIL' ? 'servfail' : 'error', records: [], detail: rcode };
  const records: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(';') || line.trim() === '') continue;
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 5 && cols[2] === 'IN' && cols[3] === type) records.push(cols.slice(4).join(' '));
  }
  return records.length > 0 ? { status: 'ok', records, detail: `${records.length} ${type} record(s)` } : { status: 'nodata', records: [], detail: `no ${type} record` };
}

/** MX RDATA (`10 mx.example.com.`) sorted by preference. */
export function sortMx(records: readonly string[]): Array<{ preference: number; host: string }> {
  return records
    .map((r) => {
      const [pref, host] = r.split(/\s+/);
      return { preference: Number(pref), host: (host ?? '').replace(/\.$/, '') };
    })
    .filter((m) => m.host !== '' && Number.isFinite(m.preference))
    .sort((a, b) => a.preference - b.preference);
}

/** nameserver lines of resolv.conf. */
export function parseResolvConf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}
