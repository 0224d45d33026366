// Runbooks as the catalog would hand them to diagnose: only ids, titles and symptoms matter here.

import type { Runbook } from '../../../../src/engine/catalog/types.js';

export function runbook(id: string, symptoms: string[]): Runbook {
  return { id, title: `fix ${id}`, description: '', symptoms, after: [], onRequest: false, variables: {}, preconditions: [], steps: [], verify: [], source: { file: `${id}.yaml`, sha256: '' } };
}

export const RUNBOOKS = new Map([
  ['postfix-service', runbook('postfix-service', ['postfix-stopped', 'postfix-disabled'])],
  ['port-conflict', runbook('port-conflict', ['port-held-by-mta'])],
  ['firewall-open-smtp', runbook('firewall-open-smtp', ['firewall-blocks-smtp'])],
]);
