// Every JSON Schema postfix-fix validates with: the file formats, each module's args and the
// schemas its journaled changes are read back through. The build compiles them ahead of time
// (scripts/gen-validators.ts → validators.generated.ts), so no command pays for compiling
// schemas at start-up.

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
    ...modules.actionNames().flatMap((n): object[] => {
      const m = modules.action(n);
      return m ? [m.argsSchema, m.journalSchemas.data, m.journalSchemas.restore, m.journalSchemas.applied] : [];
    }),
    ...modules.checkNames().flatMap((n): object[] => {
      const m = modules.check(n);
      return m ? [m.argsSchema] : [];
    }),
  ];
}
