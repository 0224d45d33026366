import type { ActionModule, CheckModule } from './types.js';

export interface ModuleRegistry {
  action(name: string): ActionModule | undefined;
  check(name: string): CheckModule | undefined;
  actionNames(): string[];
  checkNames(): string[];
}
