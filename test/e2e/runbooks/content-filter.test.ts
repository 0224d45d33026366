import { injectDeadContentFilter } from '../lab/index.js';
import { describeNeedsHuman } from '../scenario.js';

// In a container there is no service manager to start amavis: the runbook must say so and stop —
// never remove content_filter behind the admin's back (mail would skip virus checks).
describeNeedsHuman({
  title: 'content filter down (no service manager)',
  inject: (h) => injectDeadContentFilter(h),
  cause: 'content-filter-down',
  reason: /content-filter: .*(cannot|none of)/,
});

