#!/bin/bash
# PID 1 of a namespace lab host (see host.ts). Run as:
#   unshare --mount --net --pid --uts --ipc --fork --kill-child --mount-proc \
#     bash host-init.sh SCRATCH HOSTNAME MYHOSTNAME START_POSTFIX [POSTCONF_SETTING...]
# Inputs arrive only as argv and as files in SCRATCH (os-release); nothing here is evaluated.
#
# The host's root is an overlay of the machine's root whose writes land in a tmpfs that lives
# only in this mount namespace: the machine's files are never written, and everything vanishes
# with the namespace. Progress is reported on stdout as LAB-* lines; host.ts waits for LAB-READY.
set -euo pipefail

scratch=$1 host_name=$2 my_hostname=$3 start_postfix=$4
shift 4

mnt=$scratch/mnt
mount --make-rprivate /
mkdir -p "$mnt"
mount -t tmpfs -o mode=0755 postfix-fix-lab "$mnt"
mkdir "$mnt/upper" "$mnt/work" "$mnt/root"
mount -t overlay postfix-fix-lab -o "lowerdir=/,upperdir=$mnt/upper,workdir=$mnt/work" "$mnt/root"
root=$mnt/root

mount -t proc proc "$root/proc"
# Only the net/ sysctls are private to the namespace; the rest would change the machine's kernel.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount --bind "$root/proc/sys/net" "$root/proc/sys/net"
mount -o remount,bind,ro "$root/proc/sys"
# A /dev of its own: the machine's devtmpfs, /dev/shm and pty instance must not be writable
# from a host. Only the character devices programs expect are bound in.
mount -t tmpfs -o mode=0755,nosuid lab-dev "$root/dev"
for dev in null zero full random urandom tty; do
  touch "$root/dev/$dev"
  mount --bind "/dev/$dev" "$root/dev/$dev"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t sysfs -o ro sysfs "$root/sys"
# The checkout and the node binary, read-only at their own paths: the fresh /tmp and /run above
# would hide them when they live there (a CI clone in /tmp). One absolute path per line.
while IFS= read -r path; do
  case $path in /*) ;; *) continue ;; esac
  if [ -d "$path" ]; then mkdir -p "$root$path"; elif [ -f "$path" ]; then mkdir -p "$(dirname "$root$path")"; touch "$root$path"; else continue; fi
  mount --bind "$path" "$root$path"
  mount -o remount,bind,ro "$root$path"
done < "$scratch/binds"

if [ -f "$scratch/os-release" ]; then
  # /etc/os-release is a symlink into /usr/lib; readers try /etc first, so replace both.
  rm -f "$root/etc/os-release"
  install -m 0644 "$scratch/os-release" "$root/etc/os-release"
  install -m 0644 "$scratch/os-release" "$root/usr/lib/os-release"
fi

# pivot_root rather than chroot: `nsenter -m` then lands in the host's root, not the machine's.
cd "$root"
mkdir .lab-oldroot
pivot_root . .lab-oldroot
cd /
umount -l /.lab-oldroot
rmdir /.lab-oldroot

hostname "$host_name"
ip link set lo up

# rm first: on some machines these are symlinks (resolv.conf into /run, which is empty here).
rm -f /etc/hostname /etc/mailname /etc/hosts /etc/resolv.conf
printf '%s\n' "$host_name" >/etc/hostname
printf '%s\n' "$my_hostname" >/etc/mailname
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  "$my_hostname" "$host_name" >/etc/hosts
# Nothing answers DNS in a lab host; make lookups fail at once instead of waiting on the
# machine's resolver address, which is unreachable from here anyway.
printf 'nameserver 127.0.0.1\n' >/etc/resolv.conf
chmod 0644 /etc/hostname /etc/mailname /etc/hosts /etc/resolv.conf

# State carried over from the machine's root is not this host's.
rm -rf /var/lib/postfix-fix
rm -f /var/spool/postfix/pid/*.pid /var/lib/postfix/master.lock /var/log/postfix.log

# Debian's pristine configuration, as the package's postinst writes it on a fresh install.
install -m 0644 /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
install -m 0644 /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
if [ $# -gt 0 ]; then postconf -e "$@"; fi
# Postfix pauses 2-3 s when main.cf changed within the last ~2 s.
touch -d '-1 min' /etc/postfix/main.cf /etc/postfix/master.cf
# The copies of /etc files a chrooted smtpd reads (hosts, resolv.conf, services, ...), made as
# Debian's postfix@- unit and init script make them before every start: without them this host
# would not be the Debian it stands for (smtpd in its chroot could not resolve `localhost`).
if [ -x /usr/lib/postfix/configure-instance.sh ]; then /usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || echo "LAB-CONFIGURE-INSTANCE-FAILED"; fi

read_banner() {
  exec 3<>/dev/tcp/127.0.0.1/25 || return 1
  local line
  IFS= read -r -t 5 line <&3 || return 1
  printf 'QUIT\r\n' >&3 || true
  printf '%s' "${line%$'\r'}"
}

if [ "$start_postfix" = 1 ]; then
  if postfix start 2>&1; then
    banner=
    for _ in $(seq 1 200); do
      if banner=$(read_banner 2>/dev/null); then break; fi
      banner=
      sleep 0.05
    done
    if [ -n "$banner" ]; then echo "LAB-BANNER $banner"; else echo "LAB-POSTFIX-NO-BANNER"; fi
  else
    echo "LAB-POSTFIX-START-FAILED"
  fi
fi

echo LAB-READY
exec </dev/null >/dev/null 2>&1

# As PID 1 we must reap orphans (a stopped postfix master, killed helpers) or they linger as
# zombies that ps and pid checks would still see; bash reaps any child while in `wait`.
while :; do
  sleep 3600 &
  wait $! || true
done
