import assert from 'node:assert/strict';
import { coerce, satisfies } from 'semver';
import { coerceVersionId, describeVersion } from '../../../../src/engine/catalog/os-version.js';

const semverOf = (raw: string): string => {
  const v = coerceVersionId(raw);
  assert.equal(v.kind, 'semver', `${raw} should coerce to a version, got ${JSON.stringify(v)}`);
  return v.kind === 'semver' ? v.version : '';
};

describe('VERSION_ID coercion', () => {
  const CASES: Array<[string, string, string]> = [
    ['22.04', '22.4.0', 'Ubuntu: the leading zero is a minor of 4, not a string "04"'],
    ['20.04', '20.4.0', 'Ubuntu'],
    ['9.3', '9.3.0', 'RHEL-like minor release'],
    ['8.10', '8.10.0', 'RHEL 8.10: must not become 8.1.0'],
    ['2023', '2023.0.0', 'Amazon Linux 2023'],
    ['2', '2.0.0', 'Amazon Linux 2'],
    ['10', '10.0.0', 'Debian 10'],
    ['15.5', '15.5.0', 'openSUSE Leap / SLES 15 SP5'],
    ['3.19.1', '3.19.1', 'Alpine: all three parts'],
    ['2018.03', '2018.3.0', 'Amazon Linux 1: semver.coerce gives up on this one'],
    ['007', '7.0.0', 'leading zeros on the major'],
    [' 12 ', '12.0.0', 'stray whitespace'],
  ];
  for (const [raw, want, why] of CASES) {
    it(`${JSON.stringify(raw)} → ${want} (${why})`, () => {
      assert.equal(semverOf(raw), want);
    });
  }

  it('orders 8.10 after 8.9 and 22.04 before 22.10', () => {
    assert.ok(satisfies(semverOf('8.10'), '>8.9.0'));
    assert.ok(!satisfies(semverOf('8.10'), '<8.2.0'));
    assert.ok(satisfies(semverOf('22.04'), '<22.10.0'));
    assert.ok(satisfies(semverOf('24.04'), '>=22.10.0'));
  });

  it('differs from semver.coerce exactly where semver.coerce is wrong for os-release', () => {
    // Documenting why we do not call semver.coerce: these are its answers.
    assert.equal(coerce('22.04'), null);
    assert.equal(coerce('2018.03'), null);
    assert.equal(coerce('20240101')?.version, '20240101.0.0');
    assert.equal(semverOf('22.04'), '22.4.0');
    assert.equal(semverOf('2018.03'), '2018.3.0');
    assert.equal(coerceVersionId('20240101').kind, 'rolling');
  });

  describe('rolling releases', () => {
    it('no VERSION_ID (Arch, Debian testing/sid) is rolling', () => {
      const v = coerceVersionId('');
      assert.equal(v.kind, 'rolling');
      assert.match(describeVersion(v), /no VERSION_ID/);
    });

    it('a YYYYMMDD snapshot (Tumbleweed) is rolling, not version 20240101', () => {
      for (const raw of ['20240101', '20240609', '19991231']) assert.equal(coerceVersionId(raw).kind, 'rolling', raw);
      assert.match(describeVersion(coerceVersionId('20240609')), /snapshot date/);
    });

    it('the word "rolling" is rolling', () => {
      assert.equal(coerceVersionId('rolling').kind, 'rolling');
    });

    it('eight digits that are not a date are not a snapshot', () => {
      // Month 13 is no date; too long a major is no version either.
      assert.equal(coerceVersionId('20241301').kind, 'semver');
      assert.equal(coerceVersionId('12345678901').kind, 'unparseable');
    });
  });

  describe('odd VERSION_IDs', () => {
    it('keeps the numeric prefix and says what it dropped', () => {
      const edge = coerceVersionId('3.21_alpha20240807');
      assert.deepEqual(edge, { kind: 'semver', raw: '3.21_alpha20240807', version: '3.21.0', note: 'ignored "_alpha20240807" after "3.21"' });
      const four = coerceVersionId('1.2.3.4');
      assert.equal(four.kind === 'semver' && four.version, '1.2.3');
      assert.match(describeVersion(four), /ignored "\.4"/);
    });

    it('a name instead of a number is unparseable, not version 0', () => {
      for (const raw of ['bookworm', 'n/a', 'v2', '.5']) assert.equal(coerceVersionId(raw).kind, 'unparseable', raw);
    });
  });
});
