# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# Sourced by the namespace tests after common.sh: a scratch network
# namespace joined to the root namespace by a veth pair, a peer started
# inside it, and nftables black holes that make the peer fall silent.
# Everything created here is removed by netns_destroy, which runs from
# common.sh's exit trap also when the test fails or is interrupted.
#
# Tests run in parallel, so each one gets its own namespace name, veth
# names and /24 out of 10.213.1.0-10.213.254.0, picked under a lock and
# checked against the root namespace's routes.  10.213.0.0/24 is left to
# manual experiments (KERNEL-FACTS.md).

# One lock for every test on the host, whatever its TMPDIR.
NETNS_LOCK=/run/lock/sockprobe-netns.lock
[ -d /run/lock ] || NETNS_LOCK=/tmp/sockprobe-netns.lock
NS=
NS_HOST_IF=
NS_PEER_IF=
NS_HOST_IP=
NS_PEER_IP=
PEER_PORT=
NETNS_PIDS=

# netns_subnet_free X: nothing in the root namespace uses 10.213.X.0/24.
netns_subnet_free() {
	[ -z "$(ip -4 route show table all root "10.213.$1.0/24")" ] &&
	    [ -z "$(ip -4 -o addr show to "10.213.$1.0/24")" ]
}

# netns_create: make the namespace and the veth pair, both ends up with
# addresses; the peer end (NS_PEER_IP) lives inside the namespace, the
# host end (NS_HOST_IP) in the root namespace.
netns_create() {
	local lockfd x tries name

	need_root
	command -v nft >/dev/null || skip "nft not installed (package nftables)"
	cleanup_hook=netns_destroy
	# The lock is held until the addresses are in place; exiting (fail)
	# releases it too.
	exec {lockfd}>"$NETNS_LOCK" || fail "cannot open $NETNS_LOCK"
	flock -w 20 "$lockfd" || fail "netns lock busy for 20 s"
	x=$(printf '%s' "$TEST_NAME.$$" | cksum | cut -d' ' -f1)
	x=$(( x % 254 + 1 ))
	for tries in $(seq 254); do
		netns_subnet_free "$x" && break
		x=$(( x % 254 + 1 ))
	done
	netns_subnet_free "$x" || fail "no free 10.213.X.0/24"
	name=sp-$TEST_NAME-$$
	[ ! -e "/run/netns/$name" ] || fail "netns $name exists already"
	! ip link show "sp$$h" >/dev/null 2>&1 || fail "link sp$$h exists"
	ip netns add "$name" || fail "ip netns add $name failed"
	NS=$name
	NS_HOST_IF=sp$$h
	NS_PEER_IF=sp$$p
	NS_HOST_IP=10.213.$x.1
	NS_PEER_IP=10.213.$x.2
	ip link add "$NS_HOST_IF" type veth peer name "$NS_PEER_IF" \
	    netns "$NS" &&
	    ip addr add "$NS_HOST_IP/24" dev "$NS_HOST_IF" &&
	    ip -n "$NS" addr add "$NS_PEER_IP/24" dev "$NS_PEER_IF" &&
	    ip link set "$NS_HOST_IF" up &&
	    ip -n "$NS" link set "$NS_PEER_IF" up &&
	    ip -n "$NS" link set lo up || fail "veth setup in $NS failed"
	exec {lockfd}>&-
	# IPv4 needs no DAD; wait only for both ends to have carrier, or the
	# first SYN is lost and its retransmission skews every RTO after it.
	wait_for 5 netns_link_up || fail "veth $NS_HOST_IF has no carrier"
}

netns_link_up() {
	ip -o link show dev "$NS_HOST_IF" | grep -q 'LOWER_UP' &&
	    ip -n "$NS" -o link show dev "$NS_PEER_IF" | grep -q 'LOWER_UP' &&
	    ip -o -4 addr show dev "$NS_HOST_IF" | grep -q "$NS_HOST_IP/"
}

# netns_exec CMD...: run CMD inside the namespace.
netns_exec() {
	ip netns exec "$NS" "$@"
}

# netns_start_peer MODE [ADDR]: start tests/sp-peer inside the
# namespace on ADDR (default NS_PEER_IP) with an ephemeral port, and set
# PEER_PORT once it listens.
netns_start_peer() {
	local mode=$1 addr=${2:-$NS_PEER_IP} out=$TEST_TMP/peer.out pid

	ip netns exec "$NS" "$top_builddir/tests/sp-peer" -l "$addr:0" \
	    -m "$mode" >"$out" 2>"$TEST_TMP/peer.err" &
	pid=$!
	NETNS_PIDS="$NETNS_PIDS $pid"
	wait_for 5 test -s "$out" || fail "sp-peer did not start: $(cat \
	    "$TEST_TMP/peer.err")"
	PEER_PORT=$(head -1 "$out")
	case $PEER_PORT in
	''|*[!0-9]*) fail "sp-peer printed '$PEER_PORT', not a port" ;;
	esac
}

# blackhole_rules MODE: the nftables script that makes the namespace
# drop traffic.  all: every IPv4 packet in and out (ARP still works);
# in / out: one direction only; syn: only connection requests;
# port:P: TCP to and from port P, for a client and a peer both inside
# the namespace on loopback; dropped on input only, because a packet
# dropped on the sender's own output hook fails its transmission with
# EPERM, which TCP treats as a local error (probe timer, no
# retransmissions) rather than as silence;
# none: remove the black hole.  The table is made, deleted and made
# again in one transaction, so the script works whatever came before.
blackhole_rules() {
	local in= out=

	case $1 in
	all)	in='policy drop;'; out='policy drop;' ;;
	in)	in='policy drop;' ;;
	out)	out='policy drop;' ;;
	syn)	in='tcp flags & (syn | ack) == syn drop' ;;
	port:[0-9]*)
		in="tcp dport ${1#port:} drop; tcp sport ${1#port:} drop" ;;
	none)	;;
	*)	fail "blackhole: unknown mode $1" ;;
	esac
	echo 'table ip sp_blackhole'
	echo 'delete table ip sp_blackhole'
	[ "$1" = none ] && return
	cat <<EOF
table ip sp_blackhole {
	chain input {
		type filter hook input priority 0; $in
	}
	chain output {
		type filter hook output priority 0; $out
	}
}
EOF
}

# blackhole_cmd MODE: a shell command that installs the black hole when
# run (for a test program that must choose the moment of silence).
blackhole_cmd() {
	local file=$TEST_TMP/blackhole-${1//[^a-z0-9]/_}.nft

	blackhole_rules "$1" >"$file" || exit 1
	printf 'ip netns exec %q nft -f %q' "$NS" "$file"
}

# blackhole MODE: install the black hole now.
blackhole() {
	blackhole_rules "$1" | ip netns exec "$NS" nft -f - ||
	    fail "blackhole $1: nft failed"
}

# netns_spawn CMD...: run CMD in the background, remembered for
# cleanup; NETNS_LAST is its pid.  Waiting on it with `wait` keeps the
# test responsive to SIGINT/SIGTERM, which a foreground child would not.
netns_spawn() {
	"$@" &
	NETNS_LAST=$!
	NETNS_PIDS="$NETNS_PIDS $NETNS_LAST"
}

# netns_destroy: end what the test started, then remove the namespace
# (its veth end and nft table go with it) and the host veth end.
netns_destroy() {
	local pid= i

	for pid in $NETNS_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	# Bounded: whatever ignores SIGTERM for 2 s gets SIGKILL.
	for i in $(seq 40); do
		for pid in $NETNS_PIDS; do
			kill -0 "$pid" 2>/dev/null && break
			pid=
		done
		[ -z "$pid" ] && break
		sleep 0.05
	done
	for pid in $NETNS_PIDS; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "$NS" ] && [ -e "/run/netns/$NS" ]; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$NS" 2>/dev/null || true
	fi
	if [ -n "$NS_HOST_IF" ]; then
		ip link del "$NS_HOST_IF" 2>/dev/null || true
	fi
	for pid in $NETNS_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	NS=
	NETNS_PIDS=
}

# netns_run CMD...: run a test program in the background and wait for
# it; its exit status 99 (a setup error) is passed on as it is, any
# other failure fails the test.
netns_run() {
	local rc

	netns_spawn "$@"
	wait "$NETNS_LAST"
	rc=$?
	case $rc in
	0)	;;
	99)	echo "ERROR: $TEST_NAME: test setup failed" >&2; exit 99 ;;
	*)	fail "the test program exited with status $rc" ;;
	esac
}
