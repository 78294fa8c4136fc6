#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The sockprobe authors
#
# The bash completion of sockprobectl, loaded as bash-completion loads
# it: verbs and options are those of sockprobectl --help, option values,
# the keys `add` takes are a target's keys in `sockprobed -n`, and show
# completes the names of a running daemon's targets.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/common.sh"
. "$top_srcdir/tests/ctl/ctl.sh"
. "$top_srcdir/tests/daemon/daemon.sh"

bc=/usr/share/bash-completion/bash_completion
[ -f "$bc" ] || skip "bash-completion is not installed"
script=$top_srcdir/completion/bash/sockprobectl
bash -n "$script" || fail "$script: syntax error"

# complete WORDS...: what bash offers for the last word, sorted, one a line.
complete_words() {
	PATH=$(dirname "$SOCKPROBECTL"):$PATH bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_sockprobectl sockprobectl "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$bc" "$script" "$@" |
	    sort
}

cd "$TEST_TMP"
"$SOCKPROBECTL" --help >help
sed -n '/^Verbs/,/^Options/p' help | grep -E '^  [a-z]' |
    awk '{ print $1 }' | sort >help.verbs
complete_words sockprobectl '' >verbs
diff -u help.verbs verbs >d || fail "verbs (- --help, + completion): $(cat d)"

grep -oE '^  -[a-zA-Z0-9], --[a-z0-9-]+' help | sed 's/^  //; s/,//' |
    tr ' ' '\n' | sort >help.opts
complete_words sockprobectl status - >opts
diff -u help.opts opts >d || fail "options (- --help, + completion): $(cat d)"

expect_eq "-K values" "off on" "$(complete_words sockprobectl -K '' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "sta" "status" "$(complete_words sockprobectl -j sta)"

# add NAME HOST:PORT KEY=...: the keys of [defaults] that sockprobed
# accepts in a [target] (each tried there with its default value).
"$top_builddir/daemon/sockprobed" -n |
    sed -n '/^\[defaults\]/,/^$/s/^\([a-z_]*\) =/&/p' >defaults
: >keys.want
while IFS= read -r line; do
	printf '[target t]\naddress = 127.0.0.1:1\n%s\n' "$line" >t.conf
	"$top_builddir/daemon/sockprobed" -n -c t.conf >/dev/null 2>t.err &&
	    echo "${line%% =*}=" >>keys.want
done <defaults
[ -s keys.want ] || fail "no target keys found"
sort -o keys.want keys.want
complete_words sockprobectl add web 127.0.0.1:1 '' >keys
diff -u keys.want keys >d || fail "add keys (- sockprobed -n, + completion): $(cat d)"
expect_eq "add's name is not completed" "" "$(complete_words sockprobectl add '')"

# Target names from a running daemon on the socket given with -s.
conf "[target db]
address = 127.0.0.1:1

[target web]
address = 127.0.0.1:2"
start_daemon
expect_eq "show NAME" "db web" \
    "$(complete_words sockprobectl -s "$SOCK" show '' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "remove w" "web" "$(complete_words sockprobectl remove -s "$SOCK" w)"
expect_eq "no second name" "" "$(complete_words sockprobectl -s "$SOCK" show db '')"
stop_daemon
