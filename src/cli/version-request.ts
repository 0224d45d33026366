// `postfix-fix --version`: answered by the CommonJS launcher (launcher.ts) before the program is
// loaded, and by main.ts when the program runs without it (the single-file bundle).

import { toolVersion } from '../core/version.js';

export function isVersionRequest(argv: readonly string[]): boolean {
  const command = argv[0];
  return command === '--version' || command === '-V' || command === 'version';
}

export function versionLine(): string {
  return `postfix-fix ${toolVersion()}\n`;
}
