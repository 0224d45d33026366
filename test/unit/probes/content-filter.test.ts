import assert from 'node:assert/strict';
import { contentFilterProbe } from '../../../src/probes/content-filter.js';
import { contentFilterTarget } from '../../../src/probes/content-filter-target.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { fakeDialer, probeCtx } from './helpers/probe-ctx.js';

describe('probes/content-filter', () => {
  it('parses content_filter next hops', () => {
    assert.deepEqual(contentFilterTarget('smtp:[127.0.0.1]:10024'), { kind: 'inet', transport: 'smtp', host: '127.0.0.1', port: 10024 });
    assert.deepEqual(contentFilterTarget('amavis:[::1]:10024'), { kind: 'inet', transport: 'amavis', host: '::1', port: 10024 });
    assert.deepEqual(contentFilterTarget('scan:localhost'), { kind: 'inet', transport: 'scan', host: 'localhost', port: 25 });
    assert.deepEqual(contentFilterTarget('lmtp:unix:/run/f.sock'), { kind: 'unix', transport: 'lmtp', path: '/run/f.sock' });
    assert.equal(contentFilterTarget(''), null);
  });

  it('none configured: ok; up: ok; down: fail content-filter-down', async () => {
    assert.equal((await contentFilterProbe.run(probeCtx(healthyFacts())))[0]?.title, 'no content_filter configured');
    const facts = factsWith((f) => (f.postfix.params.content_filter = 'smtp:[127.0.0.1]:10024'));
    const up = await contentFilterProbe.run(probeCtx(facts, { dialer: fakeDialer({ '127.0.0.1:10024': { outcome: 'banner', code: 220, banner: '220 [127.0.0.1] ESMTP amavisd-new' } }) }));
    assert.equal(up[0]?.status, 'ok');
    const [down] = await contentFilterProbe.run(probeCtx(facts));
    assert.deepEqual([down?.status, down?.cause, down?.title], ['fail', 'content-filter-down', 'content filter 127.0.0.1:10024 is down']);
  });
});
