#!/usr/bin/env python3
"""Build the JupyterLite site from scratch, then check that it is offline-clean.

Stdlib only; run it with the Python of the venv that has jupyterlite-core,
jupyterlite-pyodide-kernel and jupyter-server (and run assemble_pyodide.py first).

Why from scratch: jupyterlite-core 0.8.6 keeps its task state in
``<lite dir>/.jupyterlite.doit.db``. When ``_output`` is deleted but that file is not,
a rebuild skips the tasks that merge ``lite/jupyter-lite.json`` into the output, and the
site silently falls back to Pyodide from the CDN. So both are removed before building.

The check fails (exit 1) when the built site
* has a ``jupyter-lite.json``/``.ipynb`` with any non-loopback http(s) URL in it,
* does not point the Pyodide kernel at ``./static/pyodide/pyodide.mjs`` with
  ``disablePyPIFallback: true`` and start-up packages that are all in the lock,
* lacks a file named in ``static/pyodide/pyodide-lock.json`` (or its sha256 differs),
* has an HTML page that loads a script, style or link from a non-loopback URL.

Usage: python scripts/lite/build_site.py [--lite-dir lite] [--check-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
LOCAL_PYODIDE = "./static/pyodide/pyodide.mjs"
CONFIG_NAMES = ("jupyter-lite.json", "jupyter-lite.ipynb")


def log(message: str) -> None:
    print(f"[build-site] {message}", flush=True)


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host == "::1"
        or re.fullmatch(r"127\.\d{1,3}\.\d{1,3}\.\d{1,3}", host) is not None
    )


def walk_strings(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def load_config(path: Path) -> dict:
    data = json.loads(path.read_text("utf-8"))
    if path.suffix == ".ipynb":
        data = data.get("metadata", {}).get("jupyter-lite", {})
    return data


def check_site(output: Path) -> list[str]:
    problems: list[str] = []
    if not (output / "index.html").exists():
        return [f"{output} has no index.html: the build did not run"]

    # 1. no outside URL in any config of the site
    for config_path in sorted(p for name in CONFIG_NAMES for p in output.rglob(name)):
        if "extensions" in config_path.relative_to(output).parts:
            continue
        for where, text in walk_strings(load_config(config_path)):
            for url in re.findall(r"(?:https?:)?//[^\s\"'<>]+", text):
                if url.startswith("//") or not is_loopback_url(url):
                    problems.append(f"{config_path.relative_to(output)} {where}: {url}")

    # 2. the kernel uses the local Pyodide, offline
    root = load_config(output / "jupyter-lite.json").get("jupyter-config-data", {})
    kernel = root.get("litePluginSettings", {}).get(KERNEL_PLUGIN, {})
    if kernel.get("pyodideUrl") != LOCAL_PYODIDE:
        problems.append(
            f"jupyter-lite.json: pyodideUrl is {kernel.get('pyodideUrl')!r}, not {LOCAL_PYODIDE!r} "
            "(the kernel would load Pyodide from the CDN)"
        )
    if kernel.get("disablePyPIFallback") is not True:
        problems.append("jupyter-lite.json: disablePyPIFallback is not true")
    packages = kernel.get("loadPyodideOptions", {}).get("packages") or []
    if not packages:
        problems.append("jupyter-lite.json: loadPyodideOptions.packages is empty")

    # 3. the Pyodide folder is complete and matches its lock
    pyodide = output / "static" / "pyodide"
    lock_path = pyodide / "pyodide-lock.json"
    if not lock_path.exists():
        problems.append("static/pyodide/pyodide-lock.json missing: run scripts/lite/assemble_pyodide.py")
    else:
        lock = json.loads(lock_path.read_text("utf-8"))["packages"]
        for name in packages:
            key = re.sub(r"[-_.]+", "-", name).lower()
            if key not in lock:
                problems.append(f"start-up package {name!r} is not in static/pyodide/pyodide-lock.json")
        for name, entry in sorted(lock.items()):
            wheel = pyodide / entry["file_name"]
            if not wheel.exists():
                problems.append(f"static/pyodide/{entry['file_name']} ({name}) missing")
            elif hashlib.sha256(wheel.read_bytes()).hexdigest() != entry["sha256"]:
                problems.append(f"static/pyodide/{entry['file_name']} does not match its sha256 in the lock")
        for runtime in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
            if not (pyodide / runtime).exists():
                problems.append(f"static/pyodide/{runtime} missing")

    # 4. pages load nothing from outside
    for page in sorted(output.glob("**/index.html")):
        if "extensions" in page.relative_to(output).parts:
            continue
        html = re.sub(r"<!--.*?-->", "", page.read_text("utf-8"), flags=re.S)
        html = re.sub(r"/\*.*?\*/", "", html, flags=re.S)
        for url in re.findall(r"""(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""", html, flags=re.I):
            if url.startswith("//") or not is_loopback_url(url):
                problems.append(f"{page.relative_to(output)} loads {url}")
    return problems


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--lite-dir", type=Path, default=Path(__file__).resolve().parents[2] / "lite",
        help="the JupyterLite site folder (default: <repo>/lite)",
    )
    parser.add_argument("--check-only", action="store_true", help="only check an existing build")
    args = parser.parse_args(argv)
    lite_dir = args.lite_dir.resolve()
    output = lite_dir / "_output"

    if not args.check_only:
        if not (lite_dir / "static" / "pyodide" / "pyodide-lock.json").exists():
            log("ERROR: lite/static/pyodide is not assembled: run scripts/lite/assemble_pyodide.py first")
            return 1
        shutil.rmtree(output, ignore_errors=True)
        for state in lite_dir.glob(".jupyterlite.doit.db*"):
            state.unlink()
        command = [sys.executable, "-m", "jupyterlite_core", "build"]
        log(f"{' '.join(command)}  (in {lite_dir})")
        started = time.monotonic()
        proc = subprocess.run(command, cwd=lite_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        elapsed = time.monotonic() - started
        if proc.returncode != 0:
            sys.stdout.write(proc.stdout)
            log(f"ERROR: jupyter lite build failed (exit {proc.returncode})")
            return 1
        total, count = size_of(output)
        log(f"built {output} in {elapsed:.1f}s: {count} files, {total / 1e6:.1f} MB")

    problems = check_site(output)
    if problems:
        log("ERROR: the site is not offline-clean:\n  - " + "\n  - ".join(problems))
        return 1
    log("site check passed: local Pyodide, PyPI fallback off, no outside URL in config or pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
