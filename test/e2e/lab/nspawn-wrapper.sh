#!/bin/bash
# PID 1 of a private pid+mount namespace that holds one systemd-nspawn container (nspawn.ts):
#   unshare --mount --pid --fork --kill-child --mount-proc \
#     bash nspawn-wrapper.sh SCRATCH ROOTFS MACHINE [NSPAWN_ARG...]
# Killing this process (or its unshare parent) kills systemd-nspawn *and* the container, which
# a kill of systemd-nspawn alone would not. A private /run keeps nspawn's lock files off the
# machine. Inputs are argv only; nothing here is evaluated.
set -euo pipefail

scratch=$1 rootfs=$2 machine=$3
shift 3

mount --make-rprivate /
mount -t tmpfs -o mode=0755 postfix-fix-lab-run /run

echo LAB-NSPAWN-STARTING
systemd-nspawn -q --register=no --keep-unit --private-network --volatile=overlay \
  --machine="$machine" "$@" -b -D "$rootfs" </dev/null >"$scratch/console.log" 2>&1 &
nspawn=$!
echo "LAB-NSPAWN-PID $nspawn"

# Stay PID 1 (reaping, and taking everything down with us when killed) until nspawn exits.
set +e
wait "$nspawn"
rc=$?
echo "LAB-NSPAWN-EXITED $rc"
exit "$rc"
