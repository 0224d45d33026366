// Every JSON Schema postfix-fix validates with: the file formats, each module's args and what
// modules written with defineActionModule journal (read back by undo, maybe after a crash). The
// build compiles them ahead of time (scripts/gen-validators.ts → validators.generated.ts), so no
// command pays for compiling schemas at start-up.

import planSchema from '../../../schemas/plan.schema.json' with { type: 'json' };
import policySchema from '../../../schemas/policy.schema.json' with { type: 'json' };
import profileSchema from '../../../schemas/profile.schema.json' with { type: 'json' };
import runbookSchema from '../../../schemas/runbook.schema.json' with { type: 'json' };
import { createModuleRegistry } from '../../modules/registry.js';

export function allSchemas(): object[] {
  const modules = createModuleRegistry();
  return [
    runbookSchema,
    profileSchema,
    policySchema,
    planSchema,
    ...modules.actionNames().map((n) => modules.action(n)?.argsSchema as object),
    ...modules.actionNames().flatMap((n) => {
      const j = modules.action(n)?.journalSchemas;
      return j ? [j.data, j.restore, j.applied] : [];
    }),
    ...modules.checkNames().map((n) => modules.check(n)?.argsSchema as object),
  ];
}
