import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserError } from '../../../../src/core/errors.js';
import { listYamlFiles, loadProfiles } from '../../../../src/engine/catalog/load.js';
import type { Profile } from '../../../../src/core/profile.js';

const SHIPPED = join(dirname(fileURLToPath(import.meta.url)), '../../../../distro-profiles');

/** A complete family profile, as a base the bad ones can extend. */
const FAMILY = `# yaml-language-server: $schema=../schemas/profile.schema.json
id: fam
name: Family
family: fam
match:
  ids: [fam]
service_manager: systemd
services:
  postfix: [postfix.service, postfix@-.service]
paths:
  postfix_config_dir: /etc/postfix
  postfix_queue_dir: /var/spool/postfix
  postfix_data_dir: /var/lib/postfix
  master_pid: /var/spool/postfix/pid/master.pid
  mail_logs: [/var/log/mail.log, /var/log/mail.err]
  nftables_config: /etc/nftables.conf
  iptables_rules_v4: /etc/iptables/rules.v4
  iptables_rules_v6: /etc/iptables/rules.v6
firewall:
  preferred: [ufw, nftables]
  iptables_persistence: netfilter-persistent
packages:
  manager: apt
  query: [dpkg-query, -W]
conflicting_mtas:
  - name: exim
    packages: [exim4-daemon-light]
    units: [exim4.service]
    processes: [exim4]
relay_restrictions: permit_mynetworks permit_sasl_authenticated defer_unauth_destination
mac: { selinux: false, apparmor: true }
`;

interface Loaded {
  dir: string;
  profiles: Map<string, Profile>;
  errors: string[];
  fields: Array<string | undefined>;
}

describe('distro profile loading', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function load(files: Record<string, string>): Promise<Loaded> {
    const dir = await mkdtemp(join(tmpdir(), 'profiles-'));
    dirs.push(dir);
    for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
    const errors: UserError[] = [];
    const profiles = loadProfiles(listYamlFiles(dir), errors);
    // Paths in messages are made relative so expectations read like what a person sees.
    return { dir, profiles, errors: errors.map((e) => e.format().replaceAll(`${dir}/`, '')), fields: errors.map((e) => e.details.field) };
  }

  describe('rejects, with file:line:col and the field', () => {
    it('a missing field in a profile that extends nothing', async () => {
      const body = FAMILY.replace(/^paths:\n(?: {2}.*\n)+/m, '');
      const r = await load({ 'fam.yaml': body });
      assert.deepEqual(r.errors, ['fam.yaml:2:1: paths: missing required field "paths"']);
      assert.deepEqual(r.fields, ['paths']);
    });

    it('a field missing from the merged result of an extending profile', async () => {
      // The child may omit what the parent gives; here the parent lacks it too, so neither loads.
      const r = await load({ 'fam.yaml': FAMILY.replace(/^relay_restrictions: .*\n/m, ''), 'kid.yaml': 'id: kid\nname: Kid\nextends: fam\nmatch:\n  ids: [kid]\n' });
      assert.ok(r.errors.includes('fam.yaml:2:1: relay_restrictions: missing required field "relay_restrictions"'), r.errors.join('\n'));
    });

    it('an unknown field, naming the allowed ones', async () => {
      const r = await load({
        'fam.yaml': FAMILY,
        'kid.yaml': 'id: kid\nname: Kid\nextends: fam\nmatch:\n  ids: [kid]\npaths:\n  postfix_config_dir: /etc/postfix\n  postfix_spool: /var/spool/postfix\n',
      });
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0] ?? '', /^kid\.yaml:8:3: paths\.postfix_spool: unknown field "postfix_spool" \(expected one of: postfix_config_dir, /);
    });

    it('an unknown top-level field', async () => {
      const r = await load({ 'fam.yaml': `${FAMILY}colour: blue\n` });
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0] ?? '', /^fam\.yaml:32:1: colour: unknown field "colour"/);
    });

    it('a bad version range, pointing into the value', async () => {
      const r = await load({ 'fam.yaml': FAMILY, 'kid.yaml': "id: kid\nname: Kid\nextends: fam\nmatch:\n  ids: [fam]\n  versions: 'newer than 12'\n" });
      assert.deepEqual(r.errors, ['kid.yaml:6:14: match.versions: invalid version range "newer than 12" (expected a semver range such as ">=22.4.0 <24.5.0")']);
    });

    it('a value of the wrong kind (enum)', async () => {
      const r = await load({ 'fam.yaml': FAMILY.replace('service_manager: systemd', 'service_manager: upstart') });
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0] ?? '', /^fam\.yaml:7:18: service_manager: value not allowed \(expected one of "systemd", "openrc", "sysv", "direct"\)/);
    });

    it('extends of an unknown profile, listing the known ones', async () => {
      const r = await load({ 'fam.yaml': FAMILY, 'kid.yaml': 'id: kid\nname: Kid\nextends: fma\nmatch:\n  ids: [kid]\n' });
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0] ?? '', /^kid\.yaml:3:10: extends: extends unknown profile "fma" \(expected one of: fam, kid\)/);
    });

    it('an extends loop, in every profile on it', async () => {
      const r = await load({
        'a.yaml': 'id: a\nname: A\nextends: b\nmatch:\n  ids: [l]\n',
        'b.yaml': 'id: b\nname: B\nextends: a\nmatch:\n  ids: [l]\n',
      });
      // Each error sits on the `extends` that closes the loop, as seen walking from the other file.
      assert.deepEqual(r.errors.sort(), ['a.yaml:3:10: extends: profile inheritance loops: b → a → b', 'b.yaml:3:10: extends: profile inheritance loops: a → b → a']);
    });

    it('a duplicate id, naming the first file', async () => {
      const r = await load({ 'a.yaml': FAMILY, 'b.yaml': FAMILY.replace('name: Family', 'name: Family again') });
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0] ?? '', /^b\.yaml:2:1: id: duplicate profile id "fam" \(also defined in .*a\.yaml\)$/);
    });

    it('reports every problem in one pass', async () => {
      const r = await load({
        'fam.yaml': `${FAMILY}colour: blue\n`,
        'kid.yaml': "id: kid\nname: Kid\nextends: fam\nmatch:\n  ids: [fam]\n  versions: '>>1'\n",
      });
      assert.equal(r.errors.length, 2, r.errors.join('\n'));
    });
  });

  describe('extends', () => {
    it('merges mappings and replaces lists', async () => {
      const r = await load({
        'fam.yaml': FAMILY,
        'kid.yaml': "id: kid\nname: Kid\nextends: fam\nmatch:\n  ids: [fam]\n  versions: '>=2.0.0'\npaths:\n  mail_logs: [/var/log/maillog]\nfirewall:\n  preferred: [firewalld]\n",
      });
      assert.deepEqual(r.errors, []);
      const kid = r.profiles.get('kid');
      assert.ok(kid);
      assert.equal(kid.extends, 'fam');
      assert.deepEqual(kid.paths.mailLogs, ['/var/log/maillog']);
      assert.equal(kid.paths.postfixConfigDir, '/etc/postfix', 'inherited from the mapping it merged into');
      assert.deepEqual(kid.firewall, { preferred: ['firewalld'], iptablesPersistence: 'netfilter-persistent' });
      assert.deepEqual(kid.services.postfix, ['postfix.service', 'postfix@-.service']);
      assert.equal(kid.family, 'fam');
      assert.equal(kid.match.versions, '>=2.0.0');
      assert.match(kid.source.sha256, /^[0-9a-f]{64}$/);
    });
  });

  describe('the shipped profiles', () => {
    it('all load with zero errors', async () => {
      const errors: UserError[] = [];
      const profiles = loadProfiles(listYamlFiles(SHIPPED), errors);
      assert.deepEqual(
        errors.map((e) => e.format()),
        [],
      );
      const families = new Set([...profiles.values()].map((p) => p.family));
      assert.deepEqual([...families].sort(), ['alpine', 'amzn', 'arch', 'debian', 'fedora', 'rhel', 'suse']);
    });

    it('put a `# why` on every value that is a judgment call (at least one per family file)', async () => {
      for (const file of ['debian.yaml', 'rhel.yaml', 'fedora.yaml', 'amzn.yaml', 'suse.yaml', 'alpine.yaml', 'arch.yaml']) {
        assert.match(await readFile(join(SHIPPED, file), 'utf8'), /# why: /, file);
      }
    });
  });
});
