# postfix-fix lab STAND-IN for SELinux userland: SELinux is not in this machine's kernel, so these
# programs keep SELinux's observable state in files under /var/lib/selinux-standin and answer the
# way the real tools do. The engine runs the real command names; only the answers are simulated.
S=/var/lib/selinux-standin
mkdir -p "$S"
[ -f "$S/mode" ] || echo Enforcing > "$S/mode"
touch "$S/ports" "$S/booleans" "$S/history"
