#!/usr/bin/env bash
# Run a command while the dev platform (and the site, when SITE_DIR is set) is up; stop it after.
# Usage: scripts/with-dev-platform.sh COMMAND [ARGS...]   (ports from PLATFORM_PORT / SITE_PORT)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
log="$(mktemp)"
node "$here/dev-platform/server.js" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  grep -q '^dev-platform ready' "$log" && break
  if ! kill -0 $server 2>/dev/null; then cat "$log"; echo "dev platform failed to start" >&2; exit 1; fi
  sleep 0.1
done
grep -q '^dev-platform ready' "$log" || { cat "$log"; echo "dev platform not ready after 10 s" >&2; exit 1; }
grep '^dev-platform ready' "$log"
export PLATFORM_URL="http://127.0.0.1:${PLATFORM_PORT:-8700}" SITE_URL="http://127.0.0.1:${SITE_PORT:-8701}"
"$@"
