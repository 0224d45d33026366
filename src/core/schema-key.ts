import { createHash } from 'node:crypto';

const keys = new WeakMap<object, string>();

/** A stable name for a schema's content: the generated validators are looked up by it. */
export function schemaKey(schema: object): string {
  let k = keys.get(schema);
  if (!k) {
    k = `v${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16)}`;
    keys.set(schema, k);
  }
  return k;
}
