import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { UserError } from '../../../../src/core/errors.js';
import { listYamlFiles, loadProfiles } from '../../../../src/engine/catalog/load.js';
import { explainProfile } from '../../../../src/engine/catalog/profile-explain.js';
import { findAmbiguities, matchProfile } from '../../../../src/engine/catalog/profile-match.js';
import type { Profile } from '../../../../src/core/profile.js';
import { osReleaseFromTexts } from '../../../../src/facts/os-release.js';
import type { OsFacts } from '../../../../src/facts/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PROFILE_DIR = join(ROOT, 'distro-profiles');
const FIXTURES = join(ROOT, 'test/fixtures/os-release');

function loadReal(): Map<string, Profile> {
  const errors: UserError[] = [];
  const profiles = loadProfiles(listYamlFiles(PROFILE_DIR), errors);
  assert.deepEqual(
    errors.map((e) => e.format()),
    [],
  );
  return profiles;
}

async function hostOf(fixture: string): Promise<OsFacts> {
  return osReleaseFromTexts(await readFile(join(FIXTURES, fixture), 'utf8'), null).facts;
}

const os = (id: string, versionId = '', idLike: string[] = []): OsFacts => ({ id, idLike, versionId, prettyName: `${id} ${versionId}`.trim() });

/** A complete profile for synthetic tests; only identity and matching vary. */
function profile(id: string, ids: string[], opts: { versions?: string; extends?: string } = {}): Profile {
  return {
    id,
    name: `${id} name`,
    family: 'test',
    ...(opts.extends !== undefined ? { extends: opts.extends } : {}),
    match: { ids, ...(opts.versions !== undefined ? { versions: opts.versions } : {}) },
    serviceManager: 'systemd',
    services: { postfix: ['postfix.service'] },
    paths: {
      postfixConfigDir: '/etc/postfix',
      postfixQueueDir: '/var/spool/postfix',
      postfixDataDir: '/var/lib/postfix',
      masterPid: '/var/spool/postfix/pid/master.pid',
      mailLogs: ['/var/log/mail.log'],
      nftablesConfig: '/etc/nftables.conf',
      iptablesRulesV4: null,
      iptablesRulesV6: null,
    },
    firewall: { preferred: ['nftables'], iptablesPersistence: 'none' },
    packages: { manager: 'apt', query: ['dpkg-query', '-W'] },
    conflictingMtas: [],
    relayRestrictions: 'permit_mynetworks permit_sasl_authenticated defer_unauth_destination',
    mac: { selinux: false, apparmor: false },
    source: { file: `/profiles/${id}.yaml`, sha256: '0' },
  };
}
const mapOf = (...ps: Profile[]): Map<string, Profile> => new Map(ps.map((p) => [p.id, p]));

function throwsUserError(fn: () => unknown, check: (e: UserError) => void): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  check(caught);
}
const text = (e: UserError): string => e.format();

describe('distro profile matching', () => {
  let real: Map<string, Profile>;
  before(() => {
    real = loadReal();
  });

  describe('the shipped distro-profiles/', () => {
    it('load through loadProfiles with zero errors', () => {
      assert.ok(real.size >= 14, `only ${real.size} profiles`);
    });

    it('have no ambiguous pairs', () => {
      assert.deepEqual(findAmbiguities(real), []);
    });

    it('start with the schema modeline, one profile per file', async () => {
      for (const file of (await readdir(PROFILE_DIR)).filter((f) => f.endsWith('.yaml'))) {
        const body = await readFile(join(PROFILE_DIR, file), 'utf8');
        assert.ok(body.startsWith('# yaml-language-server: $schema=../schemas/profile.schema.json\n'), file);
        assert.equal([...real.values()].filter((p) => p.source.file === join(PROFILE_DIR, file)).length, 1, file);
      }
    });

    it('keep master.pid under the queue directory and a relay restriction that refuses strangers', () => {
      for (const p of real.values()) {
        assert.equal(p.paths.masterPid, `${p.paths.postfixQueueDir}/pid/master.pid`, p.id);
        assert.match(p.relayRestrictions, /(defer|reject)_unauth_destination$/, p.id);
        assert.ok(p.services.postfix.length > 0 && p.packages.query.length > 0, p.id);
        assert.equal(p.serviceManager, p.family === 'alpine' ? 'openrc' : 'systemd', p.id);
      }
    });
  });

  describe('every real os-release maps to the expected profile', () => {
    const TABLE: Array<[fixture: string, profile: string, fallback: boolean]> = [
      ['debian-10', 'debian', false],
      ['debian-11', 'debian', false],
      ['debian-12', 'debian', false],
      ['debian-13', 'debian-13', false],
      ['debian-sid', 'debian', false],
      ['ubuntu-20.04', 'ubuntu-20.04', false],
      ['ubuntu-22.04', 'ubuntu', false],
      ['ubuntu-24.04', 'ubuntu', false],
      ['rhel-7.9', 'rhel-7', false],
      ['centos-7', 'rhel-7', false],
      ['rhel-8.10', 'rhel', false],
      ['rhel-9.4', 'rhel', false],
      ['centos-stream-9', 'rhel', false],
      ['rocky-8.10', 'rhel', false],
      ['rocky-9.4', 'rhel', false],
      ['almalinux-9.4', 'rhel', false],
      ['oraclelinux-8.10', 'rhel', false],
      ['oraclelinux-9.4', 'rhel', false],
      ['fedora-40', 'fedora', false],
      ['amzn-2', 'amzn-2', false],
      ['amzn-2023', 'amzn', false],
      ['sles-15-sp5', 'suse', false],
      ['opensuse-leap-15.5', 'suse', false],
      ['opensuse-tumbleweed', 'opensuse-tumbleweed', false],
      ['alpine-3.19', 'alpine', false],
      ['alpine-3.20', 'alpine', false],
      ['arch', 'arch', false],
      ['linuxmint-21.3', 'ubuntu', true],
      ['pop-22.04', 'ubuntu', true],
    ];
    for (const [fixture, expected, fallback] of TABLE) {
      it(`${fixture} → ${expected}${fallback ? ' (ID_LIKE fallback)' : ''}`, async () => {
        const r = matchProfile(real, await hostOf(fixture));
        assert.equal(r.profile.id, expected, r.reason.join('\n'));
        assert.equal(r.fallback, fallback);
        assert.ok(r.reason.length >= 2);
      });
    }

    it('covers every fixture but the deliberately unsupported Amazon Linux 1', async () => {
      const fixtures = (await readdir(FIXTURES)).sort();
      assert.deepEqual(fixtures.filter((f) => !TABLE.some(([name]) => name === f)), ['amzn-2018.03']);
    });
  });

  describe('reasons', () => {
    it('say which version-specific profile won and why', async () => {
      const r = matchProfile(real, await hostOf('debian-13'));
      const all = r.reason.join('\n');
      assert.match(all, /VERSION_ID "13" → 13\.0\.0/);
      assert.match(all, /chose debian-13: its version range >=13\.0\.0 is more specific than debian/);
    });

    it('say when a release is rolling and versioned profiles were passed over', async () => {
      const sid = matchProfile(real, await hostOf('debian-sid')).reason.join('\n');
      assert.match(sid, /no VERSION_ID/);
      assert.match(sid, /only profiles without a version range can match/);
      assert.match(sid, /debian-13 skipped: it needs a version in >=13\.0\.0, and this release has none/);
      const tw = matchProfile(real, await hostOf('opensuse-tumbleweed')).reason.join('\n');
      assert.match(tw, /snapshot date/);
    });

    it('say when ID_LIKE was used, and that the derivative’s VERSION_ID was not compared', async () => {
      // Mint 21.3 is built on Ubuntu 22.04; its 21.3 lies inside ubuntu-20.04's range, which is
      // exactly the accident that skipping version ranges on fallback avoids.
      const r = matchProfile(real, await hostOf('linuxmint-21.3'));
      assert.equal(r.profile.id, 'ubuntu');
      const all = r.reason.join('\n');
      assert.match(all, /no profile lists ID "linuxmint"/);
      assert.match(all, /fallback through ID_LIKE="ubuntu debian": "ubuntu" is listed by ubuntu/);
      assert.match(all, /version-specific ubuntu profiles are not considered/);
    });
  });

  describe('errors', () => {
    it('an unknown distro lists the known profiles and --profile', () => {
      throwsUserError(
        () => matchProfile(real, os('nixos', '24.05')),
        (e) => {
          assert.match(e.message, /no distro profile matches this host/);
          assert.match(e.message, /ID=nixos/);
          const hints = (e.details.hints ?? []).join('\n');
          for (const id of real.keys()) assert.match(hints, new RegExp(`^${id.replace('.', '\\.')} `, 'm'));
          assert.match(hints, /--profile NAME/);
          assert.match(hints, /no ID_LIKE/);
        },
      );
    });

    it('a known ID at a version no profile covers is refused, not guessed (Amazon Linux 1)', async () => {
      const al1 = await hostOf('amzn-2018.03');
      throwsUserError(
        () => matchProfile(real, al1),
        (e) => {
          assert.match(e.message, /no distro profile for ID "amzn" covers this version \(VERSION_ID "2018\.03" → 2018\.3\.0\)/);
          assert.match(text(e), /amzn: versions >=2023\.0\.0/);
          assert.match(text(e), /amzn-2: versions >=2\.0\.0 <3\.0\.0/);
        },
      );
    });

    it('an unknown --profile lists the names', () => {
      throwsUserError(
        () => matchProfile(real, os('debian', '12'), 'debain'),
        (e) => {
          assert.equal(e.message, 'unknown profile "debain"');
          assert.equal(e.details.field, '--profile');
          assert.match(e.details.expected ?? '', /one of: alpine, amzn, amzn-2, arch, debian, /);
        },
      );
    });
  });

  describe('--profile override', () => {
    it('wins over matching and says so', () => {
      const r = matchProfile(real, os('debian', '12'), 'arch');
      assert.equal(r.profile.id, 'arch');
      assert.equal(r.fallback, false);
      assert.match(r.reason.join('\n'), /--profile arch given: automatic matching skipped/);
      assert.match(r.reason.join('\n'), /note: arch is written for ID arch, this host is ID debian/);
    });

    it('notes a version the chosen profile does not cover', () => {
      const r = matchProfile(real, os('debian', '12'), 'debian-13');
      assert.match(r.reason.join('\n'), /note: 12\.0\.0 is outside >=13\.0\.0/);
    });
  });

  describe('specificity and ties (synthetic profiles)', () => {
    it('a version range beats no range, even against a deeper chain', () => {
      const ps = mapOf(profile('fam', ['x']), profile('child', ['x'], { extends: 'fam' }), profile('ranged', ['x'], { versions: '>=1.0.0' }));
      assert.equal(matchProfile(ps, os('x', '1.2')).profile.id, 'ranged');
      assert.equal(matchProfile(ps, os('x', '0.9')).profile.id, 'child');
    });

    it('a deeper extends chain beats a shallower one', () => {
      const ps = mapOf(profile('fam', ['x']), profile('child', ['x'], { extends: 'fam' }), profile('grandchild', ['x'], { extends: 'child' }));
      const r = matchProfile(ps, os('x', '1'));
      assert.equal(r.profile.id, 'grandchild');
      assert.match(r.reason.join('\n'), /chose grandchild: its extends chain is deeper than child's \(2 vs 1\)/);
    });

    it('equal specificity is an error at match time, and findAmbiguities sees it first', () => {
      const ps = mapOf(profile('a', ['x', 'y']), profile('b', ['y', 'z']));
      throwsUserError(
        () => matchProfile(ps, os('y')),
        (e) => {
          assert.match(e.message, /ambiguous distro profiles for ID=y .*: a, b match equally/);
          assert.match(text(e), /\/profiles\/a\.yaml/);
        },
      );
      assert.equal(matchProfile(ps, os('x')).profile.id, 'a');
      const amb = findAmbiguities(ps);
      assert.equal(amb.length, 1);
      assert.deepEqual(amb[0]?.profiles, ['a', 'b']);
      assert.deepEqual(amb[0]?.sharedIds, ['y']);
      assert.equal(amb[0]?.overlap, 'any version');
      assert.match(amb[0]?.message ?? '', /\/profiles\/a\.yaml.*\/profiles\/b\.yaml/);
    });

    it('versioned siblings are ambiguous only where their ranges intersect', () => {
      const ps = mapOf(profile('fam', ['x']), profile('v1', ['x'], { extends: 'fam', versions: '>=12.0.0 <14.0.0' }), profile('v2', ['x'], { extends: 'fam', versions: '>=13.0.0' }));
      assert.deepEqual(
        findAmbiguities(ps).map((a) => a.profiles),
        [['v1', 'v2']],
      );
      assert.equal(matchProfile(ps, os('x', '12')).profile.id, 'v1');
      assert.equal(matchProfile(ps, os('x', '14')).profile.id, 'v2');
      throwsUserError(
        () => matchProfile(ps, os('x', '13')),
        (e) => assert.match(e.message, /v1, v2 match equally/),
      );

      const disjoint = mapOf(profile('fam', ['x']), profile('v1', ['x'], { extends: 'fam', versions: '<13.0.0' }), profile('v2', ['x'], { extends: 'fam', versions: '>=13.0.0' }));
      assert.deepEqual(findAmbiguities(disjoint), []);
    });

    it('profiles of different specificity are never ambiguous, whatever they share', () => {
      const ps = mapOf(profile('fam', ['x']), profile('v', ['x'], { versions: '*' }), profile('deep', ['x'], { extends: 'fam' }));
      assert.deepEqual(findAmbiguities(ps), []);
    });

    it('ID_LIKE fallback takes the first relative with an unversioned profile', () => {
      const ps = mapOf(profile('onlyranged', ['near'], { versions: '>=1.0.0' }), profile('far', ['far']));
      const r = matchProfile(ps, os('deriv', '5', ['near', 'far']));
      assert.equal(r.profile.id, 'far');
      assert.equal(r.fallback, true);
      assert.match(r.reason.join('\n'), /ID_LIKE "near": only version-specific profiles list it \(onlyranged\)/);
    });

    it('ID matching ignores case; an ID listed in no profile and no ID_LIKE is an error', () => {
      const ps = mapOf(profile('a', ['debian']));
      assert.equal(matchProfile(ps, os('Debian', '12')).profile.id, 'a');
      throwsUserError(
        () => matchProfile(ps, os('gentoo', '2.15', ['nothing'])),
        (e) => assert.match(text(e), /also tried ID_LIKE: nothing/),
      );
    });

    it('property: with no ambiguities reported, matching never ties', () => {
      const ids = ['a', 'b', 'c'];
      const ranges = [undefined, '>=1.0.0', '<2.0.0', '>=2.0.0', '>=1.0.0 <3.0.0'];
      const spec = fc.array(
        fc.record({
          ids: fc.subarray(ids, { minLength: 1 }),
          versions: fc.constantFrom(...ranges),
          parent: fc.nat(5),
        }),
        { minLength: 1, maxLength: 6 },
      );
      fc.assert(
        fc.property(spec, fc.constantFrom(...ids), fc.constantFrom('', '0.5', '1', '2.5', '4'), (specs, id, version) => {
          // Parents only point backwards, so the graph has no loops (the loader rejects loops).
          const ps = mapOf(
            ...specs.map((s, i) =>
              profile(`p${i}`, s.ids, { ...(s.versions !== undefined ? { versions: s.versions } : {}), ...(i > 0 && s.parent < i ? { extends: `p${s.parent}` } : {}) }),
            ),
          );
          if (findAmbiguities(ps).length > 0) return;
          try {
            matchProfile(ps, os(id, version));
          } catch (e) {
            assert.ok(e instanceof UserError);
            assert.doesNotMatch(e.message, /ambiguous/);
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('explainProfile', () => {
    it('returns the match, the reasons, the extends chain and what the profile says', async () => {
      const ex = explainProfile(real, await hostOf('ubuntu-20.04'));
      assert.equal(ex.matched.id, 'ubuntu-20.04');
      assert.equal(ex.matched.override, false);
      assert.equal(ex.host.version.kind === 'semver' && ex.host.version.version, '20.4.0');
      assert.deepEqual(
        ex.chain.map((l) => [l.id, l.versions]),
        [
          ['ubuntu-20.04', '>=18.4.0 <21.10.0'],
          ['ubuntu', null],
          ['debian', null],
        ],
      );
      assert.deepEqual(ex.chain[0]?.changes, ['firewall.preferred', 'match.versions']);
      assert.deepEqual(ex.chain[1]?.changes, ['match.ids']);
      assert.deepEqual(ex.chain[2]?.changes, []);
      assert.equal(ex.says.serviceManager, 'systemd');
      assert.deepEqual(ex.says.postfixUnits, ['postfix.service', 'postfix@-.service']);
      assert.deepEqual(ex.says.firewall.preferred, ['ufw', 'firewalld', 'iptables-legacy', 'nftables', 'iptables-nft']);
      assert.deepEqual(ex.says.mailLogs, ['/var/log/mail.log']);
      assert.equal(ex.says.paths.masterPid, '/var/spool/postfix/pid/master.pid');
      assert.ok(ex.matched.reason.length > 0);
    });

    it('marks an override and works for a fallback', async () => {
      assert.equal(explainProfile(real, await hostOf('pop-22.04')).matched.fallback, true);
      const ex = explainProfile(real, await hostOf('arch'), 'alpine');
      assert.equal(ex.matched.override, true);
      assert.equal(ex.says.serviceManager, 'openrc');
      assert.deepEqual(ex.says.postfixUnits, ['postfix']);
    });

    it('returns data detached from the catalog', async () => {
      const ex = explainProfile(real, await hostOf('rhel-9.4'));
      ex.says.firewall.preferred.push('ufw');
      ex.says.conflictingMtas[0]?.units.push('x.service');
      assert.deepEqual(real.get('rhel')?.firewall.preferred, ['firewalld', 'nftables', 'iptables-nft', 'iptables-legacy']);
      assert.deepEqual(real.get('rhel')?.conflictingMtas[0]?.units, ['sendmail.service', 'sm-client.service']);
    });
  });
});
