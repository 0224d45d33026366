import assert from 'node:assert/strict';
import { chrootConvention, disabledBy, withoutDisabling } from '../../../src/facts/master-cf.js';
import { readFact } from '../../../src/facts/paths.js';
import { debianServices, factsWith } from '../probes/helpers/facts.js';

describe('facts/master-cf: master_service_disable and the host\'s own conventions', () => {
  it('master_service_disable is a match list: the first pattern that matches decides, ! excludes', () => {
    assert.equal(disabledBy('', 'smtp', 'inet'), null);
    assert.equal(disabledBy('inet', 'smtp', 'inet'), 'inet');
    assert.equal(disabledBy('submission/inet, smtp/inet', 'smtp', 'inet'), 'smtp/inet');
    assert.equal(disabledBy('unix', 'smtp', 'inet'), null);
    assert.equal(disabledBy('!smtp/inet, inet', 'smtp', 'inet'), null);
    assert.equal(disabledBy('!smtp/inet, inet', 'submission', 'inet'), 'inet');
  });

  it('without the patterns that turn a service off, the rest kept in order', () => {
    assert.equal(withoutDisabling('inet', 'smtp', 'inet'), '');
    assert.equal(withoutDisabling('unix, inet smtp/inet', 'smtp', 'inet'), 'unix');
    assert.equal(withoutDisabling('!submission/inet inet', 'smtp', 'inet'), '!submission/inet');
  });

  it('the chroot column of the host\'s own daemons: Debian y, others n', () => {
    assert.equal(chrootConvention(debianServices()), 'y');
    assert.equal(chrootConvention(debianServices().map((s) => ({ ...s, chroot: false }))), 'n');
    assert.equal(chrootConvention([]), 'n');
  });

  it('the derived facts the smtp-service-disabled runbook reads', () => {
    const f = factsWith((x) => (x.postfix.params.master_service_disable = 'inet'));
    assert.equal(readFact(f, 'master_cf.smtp_disabled'), true);
    assert.equal(readFact(f, 'master_cf.service_disable_without_smtp'), '');
    assert.equal(readFact(f, 'master_cf.smtp_defined'), true);
    assert.equal(readFact(f, 'master_cf.chroot'), 'y');
    const gone = factsWith((x) => (x.postfix.services = x.postfix.services.filter((s) => !(s.service === 'smtp' && s.type === 'inet'))));
    assert.equal(readFact(gone, 'master_cf.smtp_defined'), false);
    assert.equal(readFact(gone, 'master_cf.smtp_disabled'), false);
  });
});
