// Ready-made ways to steer a run. Unattended runs and saved plans use a risk cap; a terminal
// session asks a person, but only about steps riskier than "low" (a prompt per trivial step
// trains people to press Enter without reading).

import { RISK_RANK } from '../../core/risk.js';
import type { Risk } from '../../core/risk.js';
import type { Decide } from './types.js';

/** Apply what is at or below `maxRisk`; decline the rest (the report says a human is needed). */
export function riskPolicy(maxRisk: Risk): Decide {
  return async (step) => (RISK_RANK[step.risk] > RISK_RANK[maxRisk] ? 'skip' : 'apply');
}

/** Apply steps at or below `risk` without asking; hand the others to `ask`. */
export function askAbove(risk: Risk, ask: Decide): Decide {
  return (step) => (RISK_RANK[step.risk] <= RISK_RANK[risk] ? Promise.resolve('apply') : ask(step));
}
