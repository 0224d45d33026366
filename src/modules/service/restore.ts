// The service module's decisions, as pure functions of what was seen: what to do (planActions),
// whether it took effect (asWanted), and what takes units back to how they were
// (restoreActions, restored). Every backend's verdicts go through these, on the UnitStates it
// reports.

import type { ServiceAction, ServiceWants, UnitState } from './types.js';

/** The order actions must run in: unmask before enable/start; mask after stop. */
const ORDER: Record<ServiceAction['verb'], number> = { unmask: 0, enable: 1, disable: 1, start: 2, stop: 2, mask: 3 };

function inOrder(actions: ServiceAction[]): ServiceAction[] {
  return actions.sort((a, b) => ORDER[a.verb] - ORDER[b.verb]);
}

/**
 * What takes the units to what `wants` asks. `postfixRunning` (null: not Postfix) catches
 * Debian's postfix.service, a oneshot that stays "active" while postfix@- is dead.
 */
export function planActions(wants: ServiceWants, units: readonly UnitState[], postfixRunning: boolean | null, supportsMask: boolean): ServiceAction[] {
  const existing = units.filter((u) => u.exists);
  const primary = existing[0];
  if (primary === undefined) return [];
  const actions: ServiceAction[] = [];
  if (wants.masked === false || wants.state === 'started' || wants.enabled === true) {
    for (const u of existing) if (u.masked) actions.push({ verb: 'unmask', unit: u.unit });
  }
  if (wants.enabled === true && primary.enabled === false && primary.toggleable) actions.push({ verb: 'enable', unit: primary.unit });
  if (wants.enabled === false) for (const u of existing) if (u.enabled === true && u.toggleable && !u.masked) actions.push({ verb: 'disable', unit: u.unit });
  if (wants.state === 'started') {
    const notActive = existing.filter((u) => !u.active);
    if (postfixRunning === false && notActive.length === 0) actions.push({ verb: 'start', unit: (existing[existing.length - 1] as UnitState).unit });
    else for (const u of notActive) actions.push({ verb: 'start', unit: u.unit });
  }
  if (wants.state === 'stopped') for (const u of existing) if (u.active) actions.push({ verb: 'stop', unit: u.unit });
  if (wants.masked === true && supportsMask) for (const u of existing) if (!u.masked && u.maskable) actions.push({ verb: 'mask', unit: u.unit });
  return inOrder(actions);
}

/** Are the units that exist as `wants` asks? Boot state only where the manager can say; masking only where it can mask. */
export function asWanted(wants: ServiceWants, units: readonly UnitState[], supportsMask: boolean): boolean {
  const existing = units.filter((u) => u.exists);
  let ok = true;
  if (wants.state === 'started') ok &&= existing.every((u) => u.active);
  if (wants.state === 'stopped') ok &&= existing.every((u) => !u.active);
  if (wants.enabled !== undefined) ok &&= existing.slice(0, 1).every((u) => u.enabled === null || u.enabled === wants.enabled || (wants.enabled === false && u.masked));
  if (wants.masked !== undefined && supportsMask) ok &&= existing.every((u) => u.masked === wants.masked || (wants.masked && !u.maskable));
  return ok;
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
