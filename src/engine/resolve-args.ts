// Module args as the module will see them: templates resolved against variables, facts and the
// profile, then validated against the module's schema. A bad resolved value is the runbook's
// fault, so the error points at the step in the runbook file.

import { UserError, UserErrors } from '../core/errors.js';
import type { SourceLocation } from '../core/errors.js';
import { readFact } from '../facts/paths.js';
import type { Facts } from '../facts/types.js';
import { validateWith } from '../core/validate.js';
import { readProfile } from './catalog/profile-paths.js';
import { pointerToPath } from './catalog/schema-errors.js';
import { resolveTemplates } from './catalog/templates.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { Profile } from '../core/profile.js';
import type { VariableValue } from './catalog/types.js';

export interface ResolveEnv {
  facts: Facts;
  profile: Profile;
  variables: Record<string, VariableValue>;
}

export function resolveArgs(args: JsonObject, schema: Record<string, unknown>, env: ResolveEnv, where: SourceLocation, what: string): JsonObject {
  const resolved = resolveTemplates(args, {
    variable: (n) => env.variables[n] as JsonValue | undefined,
    fact: (p) => readFact(env.facts, p),
    profile: (p) => readProfile(env.profile, p),
  }) as JsonObject;
  const errors = validateWith(schema, resolved);
  if (errors.length > 0) {
    throw new UserErrors(
      errors.map((e) => new UserError(`${what}: after templates were filled in, args.${pointerToPath(e.instancePath) || '(root)'} ${e.message ?? 'is invalid'} (value: ${JSON.stringify(e.data)})`, { location: where, field: 'args' })),
    );
  }
  return resolved;
}
