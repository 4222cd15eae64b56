#!/bin/sh
# Regenerates the README's screenshots from the demo recording bundled in the binary.
#
#   screenshots/make.sh [OUT_DIR]     (default: this directory)
#
# CUTOVER names the binary to run; without it the script uses `cargo run`. The output does not
# depend on the machine: the clock is the recording's, clocks show UTC, and user themes are
# kept out (an empty config directory), so a test can check that the committed files are
# what this script makes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)

config_home=$(mktemp -d)
trap 'rm -rf "$config_home"' EXIT
XDG_CONFIG_HOME=$config_home
export XDG_CONFIG_HOME

cutover() {
    if [ -n "${CUTOVER:-}" ]; then
        "$CUTOVER" "$@"
    else
        (cd "$here/.." && cargo run --quiet -- "$@")
    fi
}

shot() {
    name=$1
    shift
    cutover screenshot --demo --width 120 --height 40 "$@" --out "$out/$name.svg"
}

# 160x48: the detail view's sections down to the promote plan, the charts beside them.
tall_shot() {
    name=$1
    shift
    cutover screenshot --demo --width 160 --height 48 "$@" --out "$out/$name.svg"
}

# The overview while orders' canary is failing and inventory's queue is backing up.
shot overview --at 4m30s --view overview
# orders in detail at the same moment: error ratio and p95 over their limits.
shot detail --at 4m30s --view detail --domain orders
# billing-svc answers 503: its source is down and billing's figures are unknown.
shot sources --at 6m20s --view sources
# The events after the rollback and the billing outage.
shot events --at 9m --view events
shot help --at 4m30s --view help
# orders 40 s after its promotion from 10% to 25%: the plan, the step marked, the next one.
tall_shot promote --at 2m20s --view detail --domain orders
# analytics' plan paused: a new path that serves nothing cannot be judged (inconclusive).
tall_shot plan-paused --at 2m20s --view detail --domain analytics
