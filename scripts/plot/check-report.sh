#!/usr/bin/env bash
# Checks that `mlduck report` renders in a real browser, offline: writes the report of a warehouse, opens it
# in headless Chromium with every host name unresolvable (so anything fetched from the network would fail),
# requires the DOM Chromium built to hold the inventory and an <svg> per drawn chart, and saves a screenshot.
# Not needed by the tests or CI; needs Debian's chromium package (apt-get install -y chromium).
#
#   scripts/plot/check-report.sh [WAREHOUSE (default: warehouse.duckdb.example)] [SCREENSHOT (default: docs/report-screenshot.png)]
set -euo pipefail
cd "$(dirname "$0")/../.."
db="${1:-warehouse.duckdb.example}"
shot="${2:-docs/report-screenshot.png}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "check-report: chromium not found — apt-get install -y chromium" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node bin/mlduck.js --db "$db" report --out "$work/report.html" >"$work/report.log"
charts="$(sed -n 's/.*(\([0-9]*\) charts)$/\1/p' "$work/report.log")"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
  --host-resolver-rules='MAP * ~NOTFOUND' --virtual-time-budget=5000 --user-data-dir="$work/profile")
"$browser" "${flags[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>"$work/chromium.log"
svgs="$(grep -o '<svg ' "$work/dom.html" | wc -l)"
grep -q '<h2>Inventory</h2>' "$work/dom.html" || { echo "check-report: no inventory in the rendered page" >&2; exit 2; }
if [ "$svgs" -ne "$charts" ] || [ "$charts" -eq 0 ]; then
  echo "check-report: the report has $charts charts but Chromium rendered $svgs <svg> elements" >&2
  exit 2
fi
"$browser" "${flags[@]}" --window-size=1400,3000 --screenshot="$work/shot.png" "file://$work/report.html" 2>>"$work/chromium.log"
mkdir -p "$(dirname "$shot")"
cp "$work/shot.png" "$shot"
echo "check-report: Chromium rendered the inventory and $svgs charts offline; screenshot $shot"
