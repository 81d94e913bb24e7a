#!/usr/bin/env bash
# Render a fleet report as HTML and take a screenshot of it in headless Chromium
# (Debian: apt-get install chromium). Usage:
#   scripts/fleet_report_screenshot.sh ROOT [OUT_DIR]
# Writes OUT_DIR/fleet-report.html and OUT_DIR/fleet-report.png (default OUT_DIR: .).
# SIZE=WIDTH,HEIGHT sets the window (default 1400,1800: the cards, the worst
# repositories and the start of the per-check counts).
set -euo pipefail
root=${1:?usage: $0 ROOT [OUT_DIR]}
out=$(realpath "${2:-.}")
mlops-new fleet report "$root" --format html --output "$out/fleet-report.html" || true
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size="${SIZE:-1400,1800}" --hide-scrollbars \
    --screenshot="$out/fleet-report.png" "file://$out/fleet-report.html"
echo "wrote $out/fleet-report.html and $out/fleet-report.png"
