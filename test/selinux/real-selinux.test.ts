// REAL SELinux, not the stand-in: the `selinux` runbook proven against a kernel that enforces.
// Opt-in and slow (`npm run test:selinux`; not in `npm test`, not in CI): this machine's kernel
// has no SELinux and no usable KVM, so a Debian 12 VM with the reference policy boots under QEMU
// TCG (scripts/selinux-vm/: image cached in /var/cache/postfix-fix-lab/selinux-vm-<hash>/, built
// once, ≈ 2 min with the lab rootfs cached). At boot the guest runs
// scripts/selinux-vm/guest/selinux-test.sh with the CLI just built, prints one
// `RESULT name=… ok=… detail=…` line per assertion on the serial console, and powers off. Each
// expected RESULT becomes one assertion below.
import assert from 'node:assert/strict';
import { runSelinuxVmTest } from '../../scripts/selinux-vm/vm.js';
import type { SelinuxVmRun, Vm } from '../../scripts/selinux-vm/vm.js';

// Every assertion the guest script makes, in order, with what it proves. A name missing from
// the console (the script died, the VM hung) fails its test as surely as ok=false.
const EXPECTED: ReadonlyArray<readonly [name: string, what: string]> = [
  ['guest-node-libs', "this machine's node binary resolves all its libraries in the guest (ldd)"],
  ['guest-cli-runs', 'the built standalone CLI runs in the guest'],
  ['selinux-enabled', 'SELinux is enabled with the reference policy loaded'],
  ['enforcing', 'setenforce 1: the kernel enforces'],
  ['port-unlabelled-before', '2525 is not an smtp_port_t port to begin with'],
  ['postfix-denied-port', 'Postfix with a service on 2525 cannot bind it under enforcing'],
  ['avc-name-bind', 'the audit log has the name_bind AVC denial for 2525 (permissive=0)'],
  ['admin-shell-cli-runs-jitless', 'from a root login shell (unconfined_t, default booleans), the CLI runs with NODE_OPTIONS=--jitless'],
  ['admin-shell-diagnose-honest', 'there, where `postfix` may not run, diagnose says postfix check could not run (and why), not that the configuration is broken'],
  ['diagnose-finds-selinux-denials', 'diagnose --offline reports the selinux-denials cause'],
  ['run-changed', 'run --yes --max-risk high: status changed, exit 0'],
  ['run-labelled-port', 'semanage port -l now lists 2525 as smtp_port_t'],
  ['run-still-enforcing', 'getenforce is still Enforcing after the durable fix'],
  ['run-never-permissive', 'the durable fix never switched SELinux mode (no MAC_STATUS event)'],
  ['run-listens-port', 'Postfix now listens on 2525'],
  ['run-banner-port', '127.0.0.1:2525 answers with the Postfix banner'],
  ['rollback-ok', 'rollback --last succeeds'],
  ['rollback-unlabelled', '2525 is unlabelled again after the rollback'],
  ['permissive-run-changed', 'with confirm_permissive=true (30 s): status changed, exit 0'],
  ['permissive-was-used', 'that run really went permissive and back (MAC_STATUS events)'],
  ['permissive-enforcing-after', 'Enforcing at the end of that run'],
  ['selinux-config-untouched', '/etc/selinux/config was never edited'],
  ['permissive-rollback-ok', 'rollback --last of that run unlabels 2525 again'],
  ['crash-reached-permissive', 'crash path: the run reaches permissive mode'],
  ['crash-killed', 'crash path: the run is SIGKILLed while permissive'],
  ['crash-still-permissive', 'crash path: still Permissive right after the kill'],
  ['crash-guard-timer', 'crash path: systemctl list-timers shows the postfix-fix-guard timer'],
  ['crash-enforcing-restored', 'crash path: Enforcing again within 45 s of the kill (the timer ran the rollback)'],
  ['crash-run-left-open', 'crash path: the killed run is listed without an end record'],
  ['selinux-config-untouched-end', '/etc/selinux/config still unchanged at the end'],
];

describe('REAL SELinux (QEMU TCG VM): the selinux runbook', function () {
  // Image build (first time only) + boot + the guest test; TCG is slow.
  this.timeout(75 * 60_000);
  let run: SelinuxVmRun | undefined;
  let failure: unknown;
  let vm: Vm | undefined;

  before(async function () {
    this.timeout(75 * 60_000);
    const log = (line: string): void => console.log(`      ${line}`);
    try {
      run = await runSelinuxVmTest({
        log,
        bootTimeoutMs: 8 * 60_000,
        endTimeoutMs: 30 * 60_000,
        onBoot: (v) => {
          vm = v;
        },
      });
      const s = (n: number | undefined): string => (n === undefined ? 'never' : `${n.toFixed(1)} s`);
      log(`image ${run.imageSeconds.toFixed(1)} s (cached unless first run); boot to test start ${s(run.bootSeconds)}; to test end ${s(run.testSeconds)}; total ${run.totalSeconds.toFixed(1)} s`);
      log(`serial console: ${run.serialLog} (${run.exit})`);
      for (const r of run.results) log(`RESULT name=${r.name} ok=${r.ok} detail=${r.detail}`);
    } catch (e) {
      failure = e;
    }
  });

  // Whatever happened above, QEMU must not outlive the suite (runSelinuxVmTest kills it too).
  after(async function () {
    this.timeout(30_000);
    await vm?.kill();
  });

  it('the VM boots and the guest test runs to its end marker', () => {
    if (failure) throw failure;
    assert.ok(run, 'no run');
    assert.ok(run.bootSeconds !== undefined, `the guest test never started (${run.exit}); console tail:\n${run.serial.split('\n').slice(-40).join('\n')}`);
    assert.ok(run.ended, `no end marker (${run.exit}); console tail:\n${run.serial.split('\n').slice(-40).join('\n')}`);
  });

  for (const [name, what] of EXPECTED) {
    it(`${name}: ${what}`, () => {
      assert.ok(run, `no run: ${String(failure)}`);
      const got = run.results.filter((r) => r.name === name);
      assert.ok(got.length > 0, `no RESULT line named ${name} on the console (${run.serialLog})`);
      for (const r of got) assert.ok(r.ok, `${name}: ${r.detail}`);
    });
  }

  it('the guest reports nothing beyond the expected list', () => {
    assert.ok(run, `no run: ${String(failure)}`);
    const known = new Set(EXPECTED.map(([n]) => n));
    const extra = run.results.filter((r) => !known.has(r.name));
    assert.deepEqual(extra, []);
  });
});
