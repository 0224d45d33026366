#!/bin/sh
# Baked into the SELinux VM image as /usr/local/sbin/postfix-fix-selinux-probe and run once at
# boot by postfix-fix-selinux-probe.service. Mounts the per-run payload disk (/dev/vdb: node, the
# built CLI and its data, the test script), runs the test with everything on the serial console
# between the BEGIN/END markers the host waits for, then powers the VM off.
# Kept tiny and stable on purpose: it is part of the cached image (its text is in the recipe
# hash); what the test does lives on the payload disk, rebuilt from the checkout on every run.
exec >/dev/ttyS0 2>&1 </dev/null
echo "=== PFF-SELINUX-BEGIN uptime=$(cut -d' ' -f1 /proc/uptime)"
mkdir -p /opt/postfix-fix
# The payload's files carry no labels: give them bin_t, like programs in /usr/local/bin.
if mount -o ro,context=system_u:object_r:bin_t:s0 /dev/vdb /opt/postfix-fix || mount -o ro /dev/vdb /opt/postfix-fix; then
  /bin/sh /opt/postfix-fix/selinux-test.sh
  echo "=== test script exit code $?"
else
  echo "RESULT name=payload-mounted ok=false detail=cannot mount /dev/vdb on /opt/postfix-fix"
fi
echo "=== PFF-SELINUX-END uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
systemctl poweroff --no-block
