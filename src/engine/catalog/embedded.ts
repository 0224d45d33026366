// Runbooks and profiles built into the single-file bundle: scripts/build.mjs defines
// __POSTFIX_FIX_EMBEDDED_DATA__ (relative path → file text) for dist/postfix-fix-standalone.mjs
// only, so that one file copied to a server carries the catalog it was built and tested with.
// Embedded files are named `<built-in>/runbooks/ID.yaml` in messages and plans; their text (and
// so their sha256) is byte for byte that of the files in the repository.

declare const __POSTFIX_FIX_EMBEDDED_DATA__: Readonly<Record<string, string>> | undefined;

export const EMBEDDED_ROOT = '<built-in>';

function embedded(): Readonly<Record<string, string>> | undefined {
  return typeof __POSTFIX_FIX_EMBEDDED_DATA__ === 'object' ? __POSTFIX_FIX_EMBEDDED_DATA__ : undefined;
}

export function hasEmbeddedData(): boolean {
  return embedded() !== undefined;
}

/** The embedded YAML files directly under DIR (`<built-in>/runbooks`), or undefined if DIR is not embedded. */
export function embeddedYamlFiles(dir: string): string[] | undefined {
  const data = embedded();
  const prefix = `${EMBEDDED_ROOT}/`;
  if (!data || !dir.startsWith(prefix)) return undefined;
  const sub = `${dir.slice(prefix.length).replace(/\/+$/, '')}/`;
  return Object.keys(data)
    .filter((p) => p.startsWith(sub) && !p.slice(sub.length).includes('/') && /\.ya?ml$/.test(p))
    .sort()
    .map((p) => `${prefix}${p}`);
}

/** The text of an embedded file (`<built-in>/runbooks/ID.yaml`), or undefined. */
export function embeddedText(file: string): string | undefined {
  const data = embedded();
  const prefix = `${EMBEDDED_ROOT}/`;
  if (!data || !file.startsWith(prefix)) return undefined;
  return data[file.slice(prefix.length)];
}
