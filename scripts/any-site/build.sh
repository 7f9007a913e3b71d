#!/usr/bin/env bash
# Build a JupyterLite site the way a user of jupyterlite-auth does (docs/quick-start.md):
#
#   1. a new lite build environment: a venv holding only requirements/any-site.txt
#      (jupyterlite-core, jupyterlite-pyodide-kernel and what they need) and our wheel;
#   2. an empty lite project: just a jupyter-lite.json (scripts/any-site/jupyter-lite.json);
#   3. offline variant (default): Pyodide from npm + PyPI assembled into <project>/static/pyodide
#      by scripts/lite/assemble_pyodide.py (lite/node_modules/pyodide, lite/pyodide-wheels.txt);
#      --cdn: no jupyter-lite.json and no static/pyodide (the kernel's CDN default; not servable
#      here, only checked);
#   4. `jupyter lite build` in the project, then scripts/any-site/check_site.py.
#
# Usage: scripts/any-site/build.sh [--cdn] [WHEEL]
#   WHEEL defaults to the one `make build` writes (dist/jupyterlite_auth-<version>-py3-none-any.whl).
# Env: ANY_SITE_DIR (default build/any-site; the venv is <dir>/venv, the project <dir>/site or
#      <dir>/site-cdn), PYTHON (default python3), ANY_SITE_FRESH_VENV=1 (recreate the venv even
#      when requirements/any-site.txt has not changed).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
variant=offline
if [[ "${1:-}" == "--cdn" ]]; then variant=cdn; shift; fi
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/py/jupyterlite_auth/_version.py")"
wheel="$(realpath "${1:-$root/dist/jupyterlite_auth-$version-py3-none-any.whl}")"
dir="${ANY_SITE_DIR:-$root/build/any-site}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
venv="$dir/venv"
project="$dir/site"
[[ $variant == cdn ]] && project="$dir/site-cdn"
requirements="$root/requirements/any-site.txt"
python="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "[any-site] $*"; }
started=$SECONDS
step=$SECONDS
took() { say "$1 ($((SECONDS - step)) s)"; step=$SECONDS; }

[[ -f "$wheel" ]] || { say "ERROR: no wheel at $wheel: run make build"; exit 1; }

# 1. the lite build environment. Recreated when the pins (or the Python) change; our wheel is
#    reinstalled every time, and the check makes sure nothing else is in the venv.
stamp="$(sha256sum "$requirements" | cut -c1-64) $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [[ "${ANY_SITE_FRESH_VENV:-}" == 1 || ! -x "$venv/bin/python" || "$(cat "$venv/.any-site-stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --require-hashes --requirement "$requirements"
  echo "$stamp" >"$venv/.any-site-stamp"
  took "new venv $venv with requirements/any-site.txt"
fi
"$venv/bin/pip" install --quiet --force-reinstall "$wheel"
"$venv/bin/python" "$root/scripts/any-site/check_site.py" env --requirements "$requirements" --wheel "$wheel"
took "pip install $(basename "$wheel")"

# 2. an empty lite project (jupyterlite-core keeps task state next to the config: start clean)
rm -rf "$project"
mkdir -p "$project"
cd "$project"

# 3. Pyodide
if [[ $variant == offline ]]; then
  cp "$root/scripts/any-site/jupyter-lite.json" jupyter-lite.json
  # run with the venv's Python: the shim wheels come from ITS pyodide kernel extension
  "$venv/bin/python" "$root/scripts/lite/assemble_pyodide.py" --out-dir static/pyodide
  took "offline Pyodide in $project/static/pyodide"
fi

# 4. build and check
if ! "$venv/bin/jupyter" lite build >build.log 2>&1; then
  cat build.log
  say "ERROR: jupyter lite build failed (log above, also in $project/build.log)"
  exit 1
fi
took "jupyter lite build in $project"
"$venv/bin/python" "$root/scripts/any-site/check_site.py" site --output _output --wheel "$wheel" --variant "$variant"
say "built $project/_output: $(find _output -type f | wc -l) files, $(du -sh _output | cut -f1) in $((SECONDS - started)) s"

# 5. a typo in the plugin's settings fails the build with a message naming it (lite_addon.py),
#    instead of a site that does not start
typo="$(mktemp -d)"
# fails_naming WHAT OVERRIDES MESSAGE: a build with these overrides fails and its log says MESSAGE
fails_naming() {
  printf '%s\n' "$2" >"$typo/overrides.json"
  if (cd "$typo" && "$venv/bin/jupyter" lite build >build.log 2>&1); then
    say "ERROR: a build with $1 succeeded"
    exit 1
  fi
  grep -qF "$3" "$typo/build.log" || {
    cat "$typo/build.log"
    say "ERROR: the failed build with $1 did not say: $3"
    exit 1
  }
}
fails_naming "an unknown setting in overrides.json" '{"jupyterlite-auth:plugin": {"isuer": "https://example.org/oidc"}}' \
  "unknown setting 'isuer' of jupyterlite-auth:plugin (did you mean 'issuer'?)"
fails_naming "settings under a mistyped plugin id" '{"jupyterlite-auth:plugins": {"issuer": "https://example.org/oidc"}}' \
  "settings under 'jupyterlite-auth:plugins' are ignored: the plugin id is 'jupyterlite-auth:plugin'"
fails_naming "a trusted host origin with a trailing slash" '{"jupyterlite-auth:plugin": {"allowedHostOrigins": ["https://platform.example.org/"]}}' \
  "setting 'allowedHostOrigins' entry 'https://platform.example.org/' is not an exact origin (did you mean 'https://platform.example.org'?)"
rm -rf "$typo"
took "a typo in overrides.json (a setting, the plugin id, a host origin) fails the build, naming it"
