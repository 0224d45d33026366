// When a log line was written: syslog's `Nov 27 21:17:26` (no year: the most recent such date not
// in the future), or ISO 8601 as the journal (`-o short-iso`) and RFC 3339 rsyslog write it.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function parseLogTime(line: string, now: number): number | null {
  const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}:?\d{2}|Z)?/.exec(line);
  if (iso) {
    const zone = iso[2] ? iso[2].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : '';
    const t = Date.parse(`${iso[1]}${zone}`);
    return Number.isNaN(t) ? null : t;
  }
  const sys = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})/.exec(line);
  if (!sys) return null;
  const month = MONTHS.indexOf(sys[1] as string);
  if (month < 0) return null;
  const year = new Date(now).getFullYear();
  const at = (y: number): number => new Date(y, month, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5])).getTime();
  const t = at(year);
  // A December line read in January belongs to last year.
  return t > now + 24 * 3600_000 ? at(year - 1) : t;
}
