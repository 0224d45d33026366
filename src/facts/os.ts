// OS identity, through the os-release reader (which never evaluates the file).

import { readOsRelease } from './os-release.js';
import type { FactContext } from './context.js';
import type { OsFacts } from './types.js';

export async function gatherOs(ctx: FactContext): Promise<OsFacts> {
  return (await readOsRelease(ctx.fs)).facts;
}
