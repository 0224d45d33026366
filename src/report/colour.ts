// Colour only where a person reads it: on a TTY, unless NO_COLOR is set (no-color.org: present
// and non-empty), TERM is dumb, or --no-color was given. Everything else gets plain text.

export interface Colours {
  readonly enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export interface ColourOptions {
  /** The stream the text goes to (process.stdout): colour only if it is a TTY. */
  stream: { isTTY?: boolean };
  env?: Readonly<Record<string, string | undefined>>;
  /** --no-color */
  noColor?: boolean;
}

export function wantColour(options: ColourOptions): boolean {
  const env = options.env ?? process.env;
  if (options.noColor) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return options.stream.isTTY === true;
}

export function createColours(enabled: boolean): Colours {
  const wrap = (open: number, close: number) => (s: string): string => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

export const NO_COLOURS: Colours = createColours(false);
