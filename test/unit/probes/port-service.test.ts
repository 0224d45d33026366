import assert from 'node:assert/strict';
import { portService } from '../../../src/probes/port-service.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import type { MasterService } from '../../../src/facts/types.js';

const smtpd = (service: string, port: number, params: Record<string, string> = {}, address: string | null = null): MasterService => ({ service, type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port, address, params });

describe('probes/port-service: which master.cf service answers a port', () => {
  it('Debian\'s default master.cf: 25 is served, 587 and 465 are not (submission not enabled)', () => {
    const f = healthyFacts();
    assert.deepEqual(portService(f, 25), { port: 25, service: 'smtp/inet', command: 'smtpd', address: null, enabled: true, disabledBy: null, wrappermode: false, cause: null, why: 'smtp/inet (smtpd) offers port 25' });
    const p587 = portService(f, 587);
    assert.equal(p587.service, null);
    assert.equal(p587.enabled, false);
    assert.equal(p587.cause, 'submission-port-disabled');
    assert.match(p587.why, /no service in master\.cf offers port 587 \(submission: Debian ships it commented out\)/);
    assert.equal(portService(f, 465).cause, 'submission-port-disabled');
  });

  it('enabled submission services, 465 TLS-first, a loopback-only one', () => {
    const f = factsWith((x) => x.postfix.services.push(smtpd('submissions', 465, { smtpd_tls_wrappermode: 'yes' }), smtpd('127.0.0.1:submission', 587, {}, '127.0.0.1')));
    assert.equal(portService(f, 465).wrappermode, true);
    assert.equal(portService(f, 465).enabled, true);
    const local = portService(f, 587);
    assert.equal(local.service, '127.0.0.1:submission/inet');
    assert.equal(local.address, '127.0.0.1');
    assert.match(local.why, /on 127\.0\.0\.1 only/);
  });

  it('a service master_service_disable turns off is named, with the pattern', () => {
    const f = factsWith((x) => {
      x.postfix.params.master_service_disable = 'inet';
      x.postfix.services.push(smtpd('submission', 587));
    });
    const p25 = portService(f, 25);
    assert.equal(p25.enabled, false);
    assert.equal(p25.disabledBy, 'inet');
    assert.equal(p25.cause, 'smtp-service-disabled');
    assert.equal(portService(f, 587).cause, 'submission-port-disabled');
    const onlySubmission = factsWith((x) => {
      x.postfix.params.master_service_disable = 'submission/inet';
      x.postfix.services.push(smtpd('submission', 587));
    });
    assert.equal(portService(onlySubmission, 25).enabled, true);
    assert.equal(portService(onlySubmission, 587).disabledBy, 'submission/inet');
  });
});
