#!/usr/bin/env python3
"""Checks for scripts/any-site/build.sh (stdlib only).

``env``: run with the Python of the lite build environment. Every installed distribution must be
one pinned in requirements/any-site.txt (at that version) or jupyterlite-auth at the wheel's
version, and every pin must be installed: the environment holds nothing else (pip and setuptools
of the venv aside).

``site``: the built site carries our labextension, and its kernel wheel is offered to piplite
(``pipliteUrls``) at the distribution's version. ``--variant offline`` also wants the local
Pyodide (``pyodideUrl`` ./static/pyodide/pyodide.mjs, PyPI fallback off); ``--variant cdn``
wants no ``pyodideUrl`` (the kernel's default, Pyodide from the CDN). The offline check of the
reference site (scripts/lite/build_site.py --check-only) runs as well for the offline variant.

Exit status 0 when every check passes, 1 otherwise (each problem on its own line).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
OUR_NAME = "jupyterlite-auth"
VENV_TOOLS = {"pip", "setuptools", "wheel"}


WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_version(wheel: Path) -> str:
    parts = wheel.name[: -len(".whl")].split("-")
    if len(parts) < 5 or canonical(parts[0]) != OUR_NAME:
        raise SystemExit(f"[any-site] ERROR: {wheel} is not a {OUR_NAME} wheel")
    return parts[1]


def pins_of(requirements: Path) -> dict[str, str]:
    pins = {}
    for line in requirements.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if not match:
            raise SystemExit(f"[any-site] ERROR: {requirements}: not an exact pin: {line!r}")
        pins[canonical(match.group(1))] = match.group(2)
    return pins


def check_env(args: argparse.Namespace) -> list[str]:
    from importlib import metadata

    wanted = pins_of(args.requirements)
    wanted[OUR_NAME] = wheel_version(args.wheel)
    installed = {}
    for dist in metadata.distributions():
        installed[canonical(dist.metadata["Name"])] = dist.version
    problems = []
    for name, version in sorted(installed.items()):
        if name in VENV_TOOLS:
            continue
        if name not in wanted:
            problems.append(f"{name}=={version} is installed but not pinned in {args.requirements}")
        elif wanted[name] != version:
            problems.append(f"{name}=={version} is installed, {args.requirements} pins {wanted[name]}")
    for name, version in sorted(wanted.items()):
        if name not in installed:
            problems.append(f"{name}=={version} is not installed")
    if not problems:
        listed = ", ".join(f"{n}=={v}" for n, v in sorted(installed.items()) if n not in VENV_TOOLS)
        print(f"[any-site] environment: {listed}")
    return problems


def check_site(args: argparse.Namespace) -> list[str]:
    output: Path = args.output
    version = wheel_version(args.wheel)
    problems = []
    config_path = output / "jupyter-lite.json"
    if not config_path.exists():
        return [f"{config_path} missing: did jupyter lite build run?"]
    config = json.loads(config_path.read_text("utf-8"))["jupyter-config-data"]

    names = [ext.get("name") for ext in config.get("federated_extensions", [])]
    if OUR_NAME not in names:
        problems.append(f"jupyter-lite.json: {OUR_NAME} is not among the federated extensions {names}")
    if WIDGET_MANAGER not in names:
        problems.append(
            f"jupyter-lite.json: {WIDGET_MANAGER} (our dependency jupyterlab_widgets) is not among the "
            f"federated extensions {names}: the sign-in widget would fall back to HTML"
        )
    ext_dir = output / "extensions" / OUR_NAME
    pypi = ext_dir / "static" / "pypi"
    kernel_wheel = pypi / f"jupyterlite_auth-{version}-py3-none-any.whl"
    if not kernel_wheel.exists():
        problems.append(f"{kernel_wheel.relative_to(output)} missing (the kernel wheel piplite installs)")
    index = pypi / "all.json"
    if not index.exists():
        problems.append(f"{index.relative_to(output)} missing")
    else:
        releases = json.loads(index.read_text("utf-8")).get(OUR_NAME, {}).get("releases", {})
        if version not in releases:
            problems.append(f"{index.relative_to(output)} offers {sorted(releases)}, not {version}")

    kernel = config.get("litePluginSettings", {}).get(KERNEL_PLUGIN, {})
    urls = kernel.get("pipliteUrls", [])
    if not any(u.split("?", 1)[0] == f"./extensions/{OUR_NAME}/static/pypi/all.json" for u in urls):
        problems.append(f"jupyter-lite.json: pipliteUrls {urls} lacks ./extensions/{OUR_NAME}/static/pypi/all.json")

    if args.variant == "cdn":
        if "pyodideUrl" in kernel:
            problems.append(f"jupyter-lite.json: pyodideUrl is {kernel['pyodideUrl']!r}: expected the kernel's CDN default")
        schema = (
            output / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static" / "schema"
            / "kernel.v0.schema.json"
        )
        default = json.loads(schema.read_text("utf-8"))["properties"]["pyodideUrl"]["default"]
        print(f"[any-site] cdn variant: the kernel loads Pyodide from its default {default}")
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lite"))
        import build_site  # the reference site's offline check

        problems += build_site.check_site(output)
    if not problems:
        print(
            f"[any-site] site check passed ({args.variant}): {OUR_NAME} {version} labextension, "
            f"kernel wheel in pipliteUrls"
            + (", local Pyodide, PyPI fallback off, no outside URL" if args.variant == "offline" else "")
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="check the running Python's environment")
    env.add_argument("--requirements", type=Path, required=True)
    env.add_argument("--wheel", type=Path, required=True)
    site = sub.add_parser("site", help="check a built site")
    site.add_argument("--output", type=Path, required=True, help="the site (jupyter lite build's _output)")
    site.add_argument("--wheel", type=Path, required=True)
    site.add_argument("--variant", choices=("offline", "cdn"), default="offline")
    args = parser.parse_args(argv)
    problems = check_env(args) if args.command == "env" else check_site(args)
    if problems:
        print("[any-site] ERROR:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
