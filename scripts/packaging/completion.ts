// Bash completion for postfix-fix, generated from the --help texts (src/cli/help.ts): commands,
// each command's flags, and values where they are known — runbook ids for --runbook and
// profile ids for --profile (read from the installed runbooks/profiles, plus any --runbooks DIR
// on the line), --format/--max-risk choices, files and directories, run ids for rollback.
// Self-contained: needs bash only, not the bash-completion package's helpers.

import type { HelpModel } from './help-model.js';
import { pageFlags } from './help-model.js';

/** Values a flag takes when its help says which (`low | medium (default) | high`). */
const CHOICES: Readonly<Record<string, readonly string[]>> = {
  '--format': ['text', 'markdown', 'json'],
  '--max-risk': ['low', 'medium', 'high'],
};

/** A command whose flag takes other values than the same flag elsewhere. */
const COMMAND_CHOICES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  diagnose: { '--format': ['text', 'markdown', 'json', 'nagios', 'prometheus'] },
};

/** How to complete a flag's value, by its metavariable in --help. */
function valueKind(flag: string, metavar: string): string {
  if (flag === '--runbook') return 'runbook';
  if (flag === '--profile') return 'profile';
  if (CHOICES[flag]) return 'choice';
  if (metavar === 'DIR') return 'dir';
  if (metavar === 'FILE') return 'file';
  return 'none';
}

function shellWords(words: readonly string[]): string {
  for (const w of words) if (!/^[A-Za-z0-9_.:=+-]+$/.test(w)) throw new Error(`completion: unexpected word ${JSON.stringify(w)}`);
  return words.join(' ');
}

export function renderBashCompletion(model: HelpModel): string {
  const commands = model.commands.map((c) => c.name);
  // The main page documents -V/--version; -h/--help work there too (src/cli/main.ts).
  const mainFlags = [...new Set([...pageFlags(model.main).flatMap((f) => [f.name, ...(f.short ? [f.short] : [])]), '--help', '-h'])];
  const valueFlags = new Map<string, string>();
  const perCommand: string[] = [];
  for (const c of model.commands) {
    const flags = pageFlags(c);
    for (const f of flags) {
      if (f.value === null) continue;
      const kind = valueKind(f.name, f.value);
      const prior = valueFlags.get(f.name);
      if (prior && prior !== kind) throw new Error(`completion: ${f.name} takes different values in different commands`);
      valueFlags.set(f.name, kind);
    }
    perCommand.push(`    ${c.name}) flags=${JSON.stringify(shellWords(flags.map((f) => f.name)))} ;;`);
  }
  const byKind = (kind: string): string =>
    shellWords([...valueFlags].filter(([, k]) => k === kind).map(([f]) => f)).replace(/ /g, '|');
  const reply = (vals: readonly string[]): string => `COMPREPLY=($(compgen -W ${JSON.stringify(shellWords(vals))} -- "$cur"))`;
  const choiceCases = Object.entries(CHOICES)
    .filter(([f]) => valueFlags.has(f))
    .map(([f, vals]) => {
      const special = Object.entries(COMMAND_CHOICES).flatMap(([cmd, flags]) => (flags[f] ? [`${shellWords([cmd])}) ${reply(flags[f] as readonly string[])} ;;`] : []));
      if (special.length === 0) return `        ${f}) ${reply(vals)}; return 0 ;;`;
      return `        ${f}) case "$cmd" in ${special.join(' ')} *) ${reply(vals)} ;; esac; return 0 ;;`;
    });
  const takesValue = shellWords([...valueFlags.keys()]).replace(/ /g, '|');

  return `# bash completion for postfix-fix                                -*- shell-script -*-
# Generated from src/cli/help.ts by scripts/build-deb.ts: edit help.ts, not this.

# The "id:" of every runbook (or profile) in the data directory and in any --runbooks DIR
# already on the command line.
_postfix_fix_ids() {
    local kind=$1 dir i
    local -a dirs=("\${POSTFIX_FIX_DATA_DIR:-/usr/share/postfix-fix}/$kind")
    if [ "$kind" = runbooks ]; then
        for ((i = 1; i < \${#COMP_WORDS[@]} - 1; i++)); do
            if [ "\${COMP_WORDS[i]}" = --runbooks ]; then dirs+=("\${COMP_WORDS[i+1]}"); fi
        done
    fi
    for dir in "\${dirs[@]}"; do
        [ -d "$dir" ] || continue
        sed -n 's/^id:[[:space:]]*["'\\'']\\{0,1\\}\\([A-Za-z0-9._-]*\\).*/\\1/p' "$dir"/*.yaml "$dir"/*.yml 2>/dev/null
    done
}

_postfix_fix() {
    local cur=\${COMP_WORDS[COMP_CWORD]} prev= flag= cmd= flags=
    COMPREPLY=()
    if ((COMP_CWORD >= 1)); then prev=\${COMP_WORDS[COMP_CWORD-1]}; fi
    # "--format=js": bash splits at "=" (COMP_WORDBREAKS) into "--format" "=" "js".
    if [ "$prev" = "=" ] && ((COMP_CWORD >= 2)); then
        flag=\${COMP_WORDS[COMP_CWORD-2]}
    elif [ "$cur" = "=" ]; then
        flag=$prev cur=
    else
        flag=$prev
    fi

    if ((COMP_CWORD <= 1)); then
        COMPREPLY=($(compgen -W ${JSON.stringify(shellWords([...commands, 'help', ...mainFlags]))} -- "$cur"))
        return 0
    fi
    cmd=\${COMP_WORDS[1]}

    if [ "$cmd" = help ]; then
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W ${JSON.stringify(shellWords(commands))} -- "$cur"))
        return 0
    fi

    case "$flag" in
        ${byKind('runbook') || '--runbook'}) COMPREPLY=($(compgen -W "$(_postfix_fix_ids runbooks)" -- "$cur")); return 0 ;;
        ${byKind('profile') || '--profile'}) COMPREPLY=($(compgen -W "$(_postfix_fix_ids distro-profiles)" -- "$cur")); return 0 ;;
${choiceCases.join('\n')}
        ${byKind('dir') || '--no-such-flag'}) local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
        ${byKind('file') || '--no-such-flag'}) local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
        ${takesValue}) return 0 ;;
    esac

    case "$cmd" in
${perCommand.join('\n')}
        *) return 0 ;;
    esac

    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return 0
    fi
    case "$cmd" in
        apply | validate) local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
        rollback)
            local runs=\${POSTFIX_FIX_STATE_DIR:-/var/lib/postfix-fix}/runs
            [ -r "$runs" ] && COMPREPLY=($(compgen -W "$(ls -1 "$runs" 2>/dev/null)" -- "$cur"))
            ;;
    esac
    return 0
}

complete -F _postfix_fix postfix-fix
`;
}
