#!/usr/bin/env bash
# Run a command while JupyterLab (CPython kernels, this venv's labextensions) serves an empty folder.
# Usage: scripts/with-jupyterlab.sh COMMAND [ARGS...]   (port from JUPYTERLAB_PORT, default 8761)
# The kernels' $BROWSER is a recorder, so `webbrowser.open` really runs and the test sees the URL
# it was given (this machine has no desktop browser). Exports JUPYTERLAB_URL and BROWSER_LOG.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${JUPYTERLAB_PORT:-8761}"
work="$(mktemp -d)"
log="$work/jupyterlab.log"
mkdir -p "$work/notebooks"
cat >"$work/record-url" <<'SH'
#!/bin/sh
printf '%s\n' "$1" >>"$BROWSER_LOG"
SH
chmod +x "$work/record-url"
export BROWSER_LOG="$work/opened-urls.txt" BROWSER="$work/record-url %s"
# A second kernel, "python3-ipykernel6", when KERNEL6_PYTHON names a Python that has ipykernel 6.
if [ -n "${KERNEL6_PYTHON:-}" ]; then
  "$KERNEL6_PYTHON" -m ipykernel install --prefix "$work/jupyter" --name python3-ipykernel6 \
    --display-name "Python 3 (ipykernel 6)" >/dev/null || exit 1
  export JUPYTER_PATH="$work/jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
fi
unset DISPLAY WAYLAND_DISPLAY
"$here/.venv/bin/jupyter" lab --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 \
  --allow-root --IdentityProvider.token='' --ServerApp.root_dir="$work/notebooks" \
  --LabApp.extension_manager=readonly --ServerApp.disable_check_xsrf=True \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
  --LabApp.expose_app_in_browser=True \
  >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/api/status" >/dev/null && break
  if ! kill -0 $server 2>/dev/null; then cat "$log"; echo "JupyterLab failed to start" >&2; exit 1; fi
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/api/status" >/dev/null || { cat "$log"; echo "JupyterLab not ready after 30 s" >&2; exit 1; }
echo "JupyterLab ready at http://127.0.0.1:$port/lab"
export JUPYTERLAB_URL="http://127.0.0.1:$port/"
"$@"
