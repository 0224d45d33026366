// Every JSON Schema postfix-fix validates with: the file formats and each module's args. The
// build compiles them ahead of time (scripts/gen-validators.ts → validators.generated.ts), so no
// command pays for compiling schemas at start-up.

import planSchema from '../../../schemas/plan.schema.json' with { type: 'json' };
import policySchema from '../../../schemas/policy.schema.json' with { type: 'json' };
import profileSchema from '../../../schemas/profile.schema.json' with { type: 'json' };
import runbookSchema from '../../../schemas/runbook.schema.json' with { type: 'json' };
import watchPolicySchema from '../../../schemas/watch-policy.schema.json' with { type: 'json' };
import { createModuleRegistry } from '../../modules/registry.js';

export function allSchemas(): object[] {
  const modules = createModuleRegistry();
  return [
    runbookSchema,
    profileSchema,
    policySchema,
    watchPolicySchema,
    planSchema,
    ...modules.actionNames().map((n) => modules.action(n)?.argsSchema as object),
    ...modules.checkNames().map((n) => modules.check(n)?.argsSchema as object),
  ];
}
