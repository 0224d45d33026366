// Undo for the service module, as pure functions of what was seen: the actions that take units
// from how they are now back to how they were, and whether they are back.

import type { ServiceAction, UnitState } from './types.js';

/** The order actions must run in: unmask before enable/start; mask after stop. */
const ORDER: Record<ServiceAction['verb'], number> = { unmask: 0, enable: 1, disable: 1, start: 2, stop: 2, mask: 3 };

export function inOrder(actions: ServiceAction[]): ServiceAction[] {
  return actions.sort((a, b) => ORDER[a.verb] - ORDER[b.verb]);
}

/** What takes units from `now` back to `before`, in order. */
export function restoreActions(before: readonly UnitState[], now: readonly UnitState[], supportsMask: boolean): ServiceAction[] {
  const actions: ServiceAction[] = [];
  for (const was of before.filter((u) => u.exists)) {
    const cur = now.find((u) => u.unit === was.unit);
    if (!cur) continue;
    if (cur.masked && !was.masked) actions.push({ verb: 'unmask', unit: was.unit });
    // A unit we masked reads as not toggleable until it is unmasked (first in ORDER).
    if (was.toggleable && (cur.toggleable || cur.masked) && cur.enabled !== was.enabled && !was.masked) actions.push({ verb: was.enabled ? 'enable' : 'disable', unit: was.unit });
    if (cur.active && !was.active) actions.push({ verb: 'stop', unit: was.unit });
    if (!cur.active && was.active) actions.push({ verb: 'start', unit: was.unit });
    if (!cur.masked && was.masked && supportsMask) actions.push({ verb: 'mask', unit: was.unit });
  }
  return inOrder(actions);
}

/** Every unit that existed is as it was (enabled only where the manager could say). */
export function restored(before: readonly UnitState[], after: readonly UnitState[]): boolean {
  return before
    .filter((u) => u.exists)
    .every((was) => {
      const cur = after.find((u) => u.unit === was.unit);
      return cur !== undefined && cur.active === was.active && (was.enabled === null || cur.enabled === was.enabled) && cur.masked === was.masked;
    });
}
