#!/usr/bin/env bash
# Renders a scenario's timeline picture in a real browser (headless Chromium) and saves a PNG,
# as the README's picture was made:
#
#     scripts/timeline-screenshot.sh overlapped-must-outlive-the-io docs/overlapped-must-outlive-the-io.png
#
# Needs Chromium (Debian: apt-get install chromium); the package itself does not.
set -euo pipefail
scenario=${1:?usage: $0 <scenario> <out.png> [width height]}
out=${2:?usage: $0 <scenario> <out.png> [width height]}
width=${3:-1100}
height=${4:-440}
cd "$(dirname "$0")/.."
html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
swift run -q iosim "$scenario" --html "$html" > /dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$(realpath -m "$out")" "file://$html" 2> /dev/null
echo "wrote $out"
