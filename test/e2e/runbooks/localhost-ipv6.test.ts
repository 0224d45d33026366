// `localhost` answers ::1 first while Postfix listens on IPv4 only: an application on the host
// that tries only the first address gets ECONNREFUSED on [::1]:25. Either side may change, so
// the runbook that makes Postfix listen on ::1 too (inet_protocols = all) is run only when asked
// (`--runbook localhost-ipv6`, on_request in the catalog): diagnose gives both ways out, a plain
// plan or run never picks it. Real Postfix; the "application" is a plain connect to the first
// address getaddrinfo gives for localhost, from inside the host.
import assert from 'node:assert/strict';
import { LabHost, injectLocalhostV6First, runCli, syncChrootCopies } from '../lab/index.js';
import type { Host } from '../lab/index.js';

// Fixed program: connect to the first address of localhost, port 25, as Node.js 17–19 and many
// libraries do; print it and what happened.
const FIRST_ADDRESS_CLIENT = `
import socket
family, _, _, _, addr = socket.getaddrinfo("localhost", 25, type=socket.SOCK_STREAM)[0]
s = socket.socket(family, socket.SOCK_STREAM); s.settimeout(5)
try:
    s.connect(addr); print(addr[0], "banner", s.recv(200).decode(errors="replace").strip())
except OSError as e:
    print(addr[0], "error", e.errno)
`;

async function localApp(host: Host): Promise<string> {
  return (await host.execOk(['python3', '-c', FIRST_ADDRESS_CLIENT])).stdout.trim();
}

interface Plan {
  runbooks: Array<{ id: string; status: string; steps: Array<{ risk: string; change?: { diff: string[] } }> }>;
  summary: { changes: number };
}

describe('e2e: localhost-ipv6 (only on request)', function () {
  this.timeout(180_000);
  let host: Host;
  let mainCfBroken: string;

  before(async () => {
    host = await LabHost.create({ name: 'lo6' });
    await injectLocalhostV6First(host);
    // The fault rewrites /etc/hosts after Postfix started: refresh the chroot's copy as a start
    // by the init script would, so this is the only problem on the host.
    await syncChrootCopies(host);
    mainCfBroken = await host.readFile('/etc/postfix/main.cf');
  });
  after(async () => host?.destroy());

  it('the fault: a local application connecting to localhost:25 is refused on ::1', async () => {
    assert.equal(await localApp(host), '::1 error 111');
  });

  it('diagnose says so with both ways out, and does not offer the runbook as the fix (advice: exit 0)', async () => {
    const r = await runCli(host, ['diagnose', '--json', '--offline']);
    const report = r.json as { findings: Array<{ cause?: string; status: string; fixedBy: string[]; evidence: string[] }> };
    const f = report.findings.find((x) => x.cause === 'localhost-resolves-ipv6');
    assert.equal(f?.status, 'warn');
    assert.deepEqual(f?.fixedBy, []);
    assert.match(f?.evidence.join('\n') ?? '', /postfix-fix run --runbook localhost-ipv6/);
    assert.match(f?.evidence.join('\n') ?? '', /127\.0\.0\.1:25/);
    assert.equal(r.code, 0);
  });

  it('plain plan and run --yes never pick it: nothing changes (advice: nothing to do)', async () => {
    const plan = await runCli(host, ['plan', '--json', '--offline']);
    assert.ok(!(plan.json as Plan).runbooks.some((rb) => rb.id === 'localhost-ipv6'), plan.stdout);
    const run = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--json', '--offline']);
    assert.equal(run.code, 0, run.stdout);
    assert.equal((run.json as { status: string }).status, 'nothing-to-do');
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
  });

  it('plan --runbook localhost-ipv6: inet_protocols = all with a restart, medium risk; changes nothing', async () => {
    const r = await runCli(host, ['plan', '--runbook', 'localhost-ipv6', '--json', '--offline']);
    const rb = (r.json as Plan).runbooks.find((x) => x.id === 'localhost-ipv6');
    assert.equal(rb?.status, 'ready', r.stdout);
    const diff = rb?.steps[0]?.change?.diff.join('\n') ?? '';
    assert.match(diff, /^-inet_protocols = ipv4$/m);
    assert.match(diff, /^\+inet_protocols = all$/m);
    assert.match(diff, /postfix stop; postfix start/);
    assert.equal(rb?.steps[0]?.risk, 'medium');
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
  });

  it('run --yes --runbook localhost-ipv6: the local application now gets the banner on ::1 (exit 0)', async () => {
    const r = await runCli(host, ['run', '--yes', '--runbook', 'localhost-ipv6', '--json', '--offline'], { timeoutMs: 120_000 });
    const report = r.json as { status: string; needsHuman: string[] };
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(report.status, 'changed');
    assert.match(await localApp(host), /^::1 banner 220 .*Postfix/);
  });

  it('a second run (asked or not) changes nothing, and diagnose is clean', async () => {
    for (const extra of [['--runbook', 'localhost-ipv6'], []]) {
      const r = await runCli(host, ['run', '--yes', ...extra, '--json', '--offline', '--detailed-exitcodes']);
      assert.equal((r.json as { status: string }).status, 'nothing-to-do', r.stdout);
      assert.equal(r.code, 0);
    }
    const d = await runCli(host, ['diagnose', '--json', '--offline']);
    assert.ok(!(d.json as { findings: Array<{ cause?: string }> }).findings.some((f) => f.cause === 'localhost-resolves-ipv6'));
  });

  it('rollback --last: main.cf byte for byte, and the application refused on ::1 again', async () => {
    const r = await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
    assert.equal(await localApp(host), '::1 error 111');
  });
});
