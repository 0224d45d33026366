import assert from 'node:assert/strict';
import { restoreActions, restored } from '../../../../src/modules/service/restore.js';
import type { UnitState } from '../../../../src/modules/service/types.js';

const unit = (o: Partial<UnitState> = {}): UnitState => ({ unit: 'postfix.service', exists: true, active: false, enabled: false, masked: false, toggleable: true, maskable: true, detail: '', ...o });
const verbs = (before: UnitState[], now: UnitState[], supportsMask = true): string[] => restoreActions(before, now, supportsMask).map((a) => `${a.verb} ${a.unit}`);

describe('modules/service: undo as pure functions of what was seen', () => {
  const cases: Array<[string, UnitState[], UnitState[], string[], boolean?]> = [
    ['nothing changed: nothing to do', [unit()], [unit()], []],
    ['we started and enabled it: stop and disable', [unit()], [unit({ active: true, enabled: true })], ['disable postfix.service', 'stop postfix.service']],
    ['we stopped it: start', [unit({ active: true, enabled: true })], [unit({ enabled: true })], ['start postfix.service']],
    ['we unmasked, enabled and started it: mask comes last, after the stop', [unit({ masked: true, toggleable: false })], [unit({ active: true, enabled: true })], ['stop postfix.service', 'mask postfix.service']],
    ['we masked it: unmask first, then enable and start', [unit({ active: true, enabled: true })], [unit({ masked: true, toggleable: false })], ['unmask postfix.service', 'enable postfix.service', 'start postfix.service']],
    ['a manager that cannot mask: no mask action', [unit({ masked: true })], [unit()], [], false],
    ['a unit that is not toggleable (static, generated) is never enabled or disabled', [unit({ toggleable: false })], [unit({ enabled: true, toggleable: false })], []],
    ['a unit that did not exist before is left alone', [unit({ exists: false })], [unit({ active: true })], []],
    ['a unit gone since is skipped, the others restored', [unit(), unit({ unit: 'postfix@-.service' })], [unit({ unit: 'postfix@-.service', active: true })], ['stop postfix@-.service']],
  ];
  for (const [what, before, now, want, supportsMask] of cases) {
    it(what, () => assert.deepEqual(verbs(before, now, supportsMask ?? true), want));
  }

  it('restored: every unit that existed is as it was; `enabled` counts only where the manager could say', () => {
    assert.equal(restored([unit({ active: true })], [unit({ active: true })]), true);
    assert.equal(restored([unit({ active: true })], [unit()]), false, 'not running again');
    assert.equal(restored([unit({ enabled: true })], [unit()]), false, 'not enabled again');
    assert.equal(restored([unit({ enabled: null })], [unit({ enabled: true })]), true, 'the manager cannot say: not held against it');
    assert.equal(restored([unit({ masked: true })], [unit()]), false, 'not masked again');
    assert.equal(restored([unit()], []), false, 'a unit that vanished is not restored');
    assert.equal(restored([unit({ exists: false })], []), true);
  });
});
