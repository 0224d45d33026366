#!/usr/bin/env bash
# Installs every Debian package the e2e lab (test/e2e/lab) needs, makes sure the machine's own
# Postfix is not running, and prebuilds the lab's caches (systemd rootfs, unpacked exim4).
# Idempotent; run as root on Debian 12 after `npm ci` (the prebuild runs through tsx).
# /usr/sbin/policy-rc.d (exit 101) is left in place: apt must not start the services it installs.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(
  postfix            # the MTA under test; lab hosts run the machine's binaries in namespaces
  iptables nftables ufw firewalld dbus   # the firewalls the faults use (dbus: firewalld's bus)
  systemd-container  # systemd-nspawn, for the systemd host
  debootstrap        # builds that host's rootfs
  iproute2 procps util-linux bsdutils passwd tar   # ip/ss, ps/sysctl, unshare/nsenter/setpriv/flock, script, useradd
  python3            # probe.py and the stand-in :25 listener
  netcat-openbsd     # silent listeners in the lab's own tests
  apt dpkg ca-certificates   # apt-get download + dpkg -x of exim4
  ansible-core       # contrib/ansible's fleet test (run inside a lab host, never against this machine)
  openssh-client     # ssh/ssh-keygen for that test; its sshd is unpacked into lab hosts, not installed here
  man-db groff-base  # the man page test renders postfix-fix.8
  tmux               # run --interactive is tested in a real terminal (send-keys / capture-pane)
  bind9-dnsutils     # dig, for the triage guide's script that `npm run bench` compares diagnose with,
                     # and to wait for the lab resolver in test/e2e/cli/probe.test.ts
  fail2ban           # 1.0.2: jails banning mail clients (lab/fail2ban.ts), run only inside lab hosts
  dovecot-core       # Dovecot 2.3 as Postfix's SASL backend for 587/465 (lab/dovecot.ts), only in lab hosts
  openssl            # certificates for the TLS faults (lab/certs.ts): req -x509, ca -startdate/-enddate
  opendkim           # a real milter smtpd depends on (lab services.ts); only ever started inside lab hosts
  postgrey           # a real policy service (check_policy_service); likewise only inside lab hosts
  monitoring-plugins-basic   # check_smtp, run beside `diagnose --format nagios` (test/e2e/cli/monitoring.test.ts);
                             # check_smtp and check_ssmtp beside `probe` in `npm run bench` (bench/probe.ts)
  prometheus         # promtool (check metrics) for --format prometheus; Debian 12 ships promtool only
                     # in this package (~96 MB installed; its server is never started here)
  prometheus-node-exporter   # the textfile collector that reads --format prometheus --out, run in a lab host
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "lab-deps: installing ${missing[*]}"
  echo 'postfix postfix/main_mailer_type select Internet Site' | debconf-set-selections
  echo 'postfix postfix/mailname string lab.example.test' | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
else
  echo 'lab-deps: all packages present'
fi

# The machine's own Postfix must stay down: tests assert that nothing listens on the machine's
# :25, and every lab host runs its own Postfix in its own namespaces.
if postfix status >/dev/null 2>&1; then
  echo 'lab-deps: stopping the machine Postfix'
  postfix stop
fi

# opendkim and postgrey enable their units on install (policy-rc.d only stops the start): they
# run inside lab hosts only, never at the machine's next boot.
for unit in opendkim.service postgrey.service; do
  if command -v systemctl >/dev/null && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
    echo "lab-deps: disabling $unit on the machine"
    systemctl disable --quiet "$unit"
  fi
done

# exim4 packages are fetched with `apt-get download`, which needs the package lists.
if ! apt-cache show exim4-daemon-light >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=300 update -q
fi

if [ ! -x node_modules/.bin/tsx ]; then
  echo 'lab-deps: node_modules/.bin/tsx missing: run npm ci first' >&2
  exit 1
fi
node --import tsx scripts/lab-prebuild.ts

# Debian's nodejs (for the .deb test on the systemd host) and openssh-server (unpacked into lab
# hosts for the Ansible test), fetched once into the lab cache: never installed on this machine.
node --import tsx test/e2e/packaging/prefetch.ts
