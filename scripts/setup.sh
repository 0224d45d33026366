#!/bin/sh
# Set up postfix-fix from a source checkout on Debian/Ubuntu: Node.js (>= 18.18) if missing, the
# npm dependencies, and the bundle. With --with-lab, also everything the test suite needs:
# Postfix and the four firewalls (never started on this machine: the lab runs them inside
# namespaces it creates), systemd-nspawn, debootstrap — and prebuilds the lab's cached rootfs.
# POSIX sh on purpose: it runs before anything else is installed.
set -eu
cd "$(dirname "$0")/.."

with_lab=0
for a in "$@"; do
  case $a in
    --with-lab) with_lab=1 ;;
    *) echo "usage: scripts/setup.sh [--with-lab]" >&2; exit 2 ;;
  esac
done

need_root() { [ "$(id -u)" = 0 ] || { echo "scripts/setup.sh: run as root (it installs Debian packages)" >&2; exit 1; }; }
apt_updated=0
apt_install() {
  need_root
  if [ $apt_updated = 0 ]; then apt-get update -q; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@"
}

node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>18||(a===18&&b>=18)?0:1)'
}
if ! node_ok; then apt_install nodejs npm; fi
node_ok || { echo "scripts/setup.sh: Node.js >= 18.18 is required (found $(node --version 2>/dev/null || echo none))" >&2; exit 1; }

npm ci --no-audit --no-fund
npm run build

# After npm ci: the lab's prebuild step (rootfs, exim and package caches) runs with tsx.
if [ $with_lab = 1 ]; then
  need_root
  bash .ci/lab-deps.sh
fi
echo "postfix-fix is ready: $(pwd)/bin/postfix-fix"
