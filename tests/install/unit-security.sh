#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The service's sandbox: `systemd-analyze security --offline=true` rates
# its exposure at 1.5 or less, and the settings every feature needs are
# still there (a hardening change that breaks the daemon fails here, not
# on a host): Type=notify with the watchdog, no capability, the
# sockprobe user, AF_NETLINK for sock_diag, /proc/sys/net readable (no
# ProcSubset=pid), the host's network, and the runtime directory kept for
# the socket unit's file.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"

MAX_EXPOSURE=1.5
need() { command -v "$1" >/dev/null || skip "$1 is not installed"; }
need systemd-analyze

unit=$top_builddir/systemd/sockprobed.service
sock=$top_builddir/systemd/sockprobed.socket
[ -f "$unit" ] && [ -f "$sock" ] || fail "units not built"

# The last value a unit gives KEY (systemd's rule for most settings),
# or all of them, one per line, with `all`.
val() {
	local f=$1 k=$2
	if [ "${3:-}" = all ]; then
		sed -n "s/^$k=//p" "$f"
	else
		sed -n "s/^$k=//p" "$f" | tail -n 1
	fi
}

systemd-analyze security --offline=true --threshold=15 "$unit" \
    >"$TEST_TMP/sec" 2>&1
rc=$?
score=$(sed -n 's/.*Overall exposure level for sockprobed.service: \([0-9.]*\).*/\1/p' \
    "$TEST_TMP/sec")
[ -n "$score" ] || fail "no exposure level: $(cat "$TEST_TMP/sec")"
echo "exposure $score (at most $MAX_EXPOSURE)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
    fail "exposure $score above $MAX_EXPOSURE: $(grep '✗' "$TEST_TMP/sec")"
expect_eq "systemd-analyze security --threshold=15 status" 0 "$rc"

# What the daemon needs from systemd.
expect_eq "Type" notify "$(val "$unit" Type)"
expect_match "WatchdogSec" '^[0-9]+s$' "$(val "$unit" WatchdogSec)"
expect_eq "Restart" on-failure "$(val "$unit" Restart)"
expect_match "ExecReload" '^/bin/kill -HUP \$MAINPID$' "$(val "$unit" ExecReload)"
expect_eq "User" sockprobe "$(val "$unit" User)"
expect_eq "Group" sockprobe "$(val "$unit" Group)"
expect_eq "UMask" 0077 "$(val "$unit" UMask)"
expect_eq "CapabilityBoundingSet" "" "$(val "$unit" CapabilityBoundingSet)"
expect_eq "AmbientCapabilities" "" "$(val "$unit" AmbientCapabilities)"
expect_eq "RuntimeDirectoryPreserve" yes "$(val "$unit" RuntimeDirectoryPreserve)"

# Sockets: targets and listeners, the control socket and sd_notify,
# sock_diag; nothing else.
expect_eq "RestrictAddressFamilies" "AF_UNIX AF_INET AF_INET6 AF_NETLINK" \
    "$(val "$unit" RestrictAddressFamilies)"
# The kernel report reads /proc/sys/net; monitoring needs the host's
# network and any address.
for k in ProcSubset PrivateNetwork IPAddressDeny PrivateUsers; do
	expect_eq "$k (would break a feature)" "" "$(val "$unit" "$k")"
done
# The system calls the daemon makes stay allowed.
filter=$(val "$unit" SystemCallFilter all | tr '\n' ' ')
expect_eq "SystemCallFilter" "@system-service ~@privileged @resources " "$filter"
expect_eq "SystemCallErrorNumber" EPERM "$(val "$unit" SystemCallErrorNumber)"

# The hardening the issue asks for, each present.
for kv in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes NoNewPrivileges=yes MemoryDenyWriteExecute=yes \
    LockPersonality=yes RestrictNamespaces=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectKernelLogs=yes \
    ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes \
    RestrictRealtime=yes RestrictSUIDSGID=yes ProtectProc=invisible \
    SystemCallArchitectures=native; do
	expect_eq "${kv%%=*}" "${kv#*=}" "$(val "$unit" "${kv%%=*}")"
done

# The control socket: mode 0660, group sockprobe, the daemon's default
# path, in the directory the service keeps.
expect_eq "SocketMode" 0660 "$(val "$sock" SocketMode)"
expect_eq "SocketGroup" sockprobe "$(val "$sock" SocketGroup)"
path=$(val "$sock" ListenStream)
expect_eq "ListenStream is the built-in control_socket" "$path" \
    "$("$top_builddir/daemon/sockprobed" -n | sed -n 's/^control_socket = //p')"
expect_eq "the socket is in RuntimeDirectory" "/run/$(val "$unit" RuntimeDirectory)" \
    "$(dirname "$path")"
expect_eq "tmpfiles.d makes that directory" \
    "d $(dirname "$path") 0750 sockprobe sockprobe -" \
    "$(grep '^d ' "$top_builddir/systemd/tmpfiles.d/sockprobe.conf")"
expect_eq "sysusers.d makes the user" sockprobe \
    "$(awk '$1 == "u" { print $2 }' "$top_srcdir/systemd/sysusers.d/sockprobe.conf")"
