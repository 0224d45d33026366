// One field of an audit record. Raw records quote text fields (comm="master"); `ausearch -i`
// prints them bare (comm=master). Both the SELinux probe and the selinux module read these.

export function auditField(line: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}=(?:"([^"]*)"|([^\\s"]+))`).exec(line);
  return m ? (m[1] ?? m[2] ?? null) : null;
}
