#!/bin/bash
# The classic "why does Postfix refuse connections?" triage a sysadmin pastes from a guide, run
# one check after another. The baseline diagnose is measured against: same questions, sequential.
# Read-only. Usage: triage-guide.sh [MAIL_DOMAIN]   (default: postconf's mydomain)
# Every network step has the guide's own timeout (nc -w 5, dig +time=5): what makes a manual
# triage slow on a broken host is exactly that waiting.

DOMAIN=${1:-$(postconf -h mydomain 2>/dev/null)}
ADDR=$(hostname -I 2>/dev/null | awk '{print $1}')
ADDR=${ADDR:-127.0.0.1}
QUEUE=$(postconf -h queue_directory 2>/dev/null || echo /var/spool/postfix)
LOG=$(postconf -h maillog_file 2>/dev/null); [ -n "$LOG" ] || LOG=/var/log/mail.log

step() { printf '\n### %s\n' "$*"; }

step "1. service status";   systemctl status postfix --no-pager 2>&1 | head -n 5; postfix status 2>&1; echo "rc=$?"
step "2. who listens on 25"; ss -ltnp 2>&1 | grep -E ':(25|587|465)\b'
step "3. interfaces";       postconf inet_interfaces inet_protocols mynetworks 2>&1
step "4. postfix check";    postfix check 2>&1; echo "rc=$?"
step "5. main.cf perms";    ls -l /etc/postfix/main.cf /etc/postfix/master.cf 2>&1
step "6. master.pid";       cat "$QUEUE/pid/master.pid" 2>&1
step "7. port 25/587";      nc -zv -w 5 "$ADDR" 25 2>&1; nc -zv -w 5 "$ADDR" 587 2>&1
step "8. iptables";         iptables -L -n 2>&1 | head -n 40
step "9. ufw";              ufw status 2>&1
step "10. firewalld";       firewall-cmd --list-all 2>&1
step "11. selinux";         getenforce 2>&1
step "12. mail log";        tail -n 50 "$LOG" 2>&1
step "13. queue";           mailq 2>&1 | tail -n 1
step "14. MX";              dig +time=5 MX "$DOMAIN" 2>&1
exit 0
