#!/usr/bin/env python3
"""Build the two lite sites the browser benchmark compares, under bench/_output/sites/.

* ``auth``: the reference site, its settings pointing at the benchmark's dev platform (not at
  the test suite's port 8700, which lite/_output is built for);
* ``plain``: the same site from the same venv, config, contents and Pyodide, minus our
  labextension (and so minus the kernel wheel it carries): the baseline for kernel start.

Each is a private copy of lite/'s config and contents with lite/static/pyodide hard-linked in,
built with scripts/lite/build_site.py, so lite/_output is never touched. A build takes a few
seconds, so both are rebuilt on every run rather than tracked.

Usage: python bench/build_sites.py --platform http://127.0.0.1:8720
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "lite"
OUT = ROOT / "bench" / "_output" / "sites"
OUR_EXTENSION = "jupyterlite-auth"
COPIED = ("jupyter-lite.json", "jupyter_lite_config.json", "contents")


def log(message: str) -> None:
    print(f"[bench-sites] {message}", flush=True)


def link_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows (the Pyodide folder is ~20 MB), copies elsewhere."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def labextensions_dir() -> Path:
    return Path(sysconfig.get_paths()["data"]) / "share" / "jupyter" / "labextensions"


def other_extensions(lite_dir: Path) -> Path:
    """A labextensions folder with every extension of the venv except ours (symlinks)."""
    folder = lite_dir / "labextensions"
    folder.mkdir()
    for package_json in labextensions_dir().rglob("package.json"):
        ext = package_json.parent
        name = json.loads(package_json.read_text("utf-8")).get("name")
        if ext.parent.name == "node_modules" or name is None or ext.relative_to(labextensions_dir()).as_posix() != name:
            continue  # only the extensions' own package.json, not ones vendored inside them
        if name == OUR_EXTENSION:
            continue
        link = folder / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ext, target_is_directory=True)
    return folder


def prepare(name: str, platform: str, with_extension: bool) -> Path:
    lite_dir = OUT / name
    shutil.rmtree(lite_dir, ignore_errors=True)
    lite_dir.mkdir(parents=True)
    for item in COPIED:
        source = LITE / item
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, lite_dir / item)
    link_tree(LITE / "static" / "pyodide", lite_dir / "static" / "pyodide")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/lite/write_overrides.py"), "--platform", platform,
         "--output", str(lite_dir / "overrides.json")],
        check=True,
    )
    if not with_extension:
        config_path = lite_dir / "jupyter_lite_config.json"
        config = json.loads(config_path.read_text("utf-8"))
        config["LiteBuildConfig"]["ignore_sys_prefix"] = ["federated_extensions"]
        config["FederatedExtensionAddon"] = {"extra_labextensions_path": [str(other_extensions(lite_dir))]}
        config_path.write_text(json.dumps(config, indent=2) + "\n")
    return lite_dir


def extension_names(site: Path) -> list[str]:
    config = json.loads((site / "jupyter-lite.json").read_text("utf-8"))["jupyter-config-data"]
    return sorted(ext["name"] for ext in config.get("federated_extensions", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--platform", required=True, help="the benchmark dev platform's origin")
    args = parser.parse_args(argv)
    if not (LITE / "static" / "pyodide" / "pyodide-lock.json").exists():
        log("ERROR: lite/static/pyodide is not assembled: run `make site` first")
        return 1
    built = {}
    for name, with_extension in (("auth", True), ("plain", False)):
        lite_dir = prepare(name, args.platform, with_extension)
        proc = subprocess.run([sys.executable, str(ROOT / "scripts/lite/build_site.py"), "--lite-dir", str(lite_dir)])
        if proc.returncode != 0:
            log(f"ERROR: building the {name} site failed")
            return 1
        built[name] = extension_names(lite_dir / "_output")
    if OUR_EXTENSION not in built["auth"] or OUR_EXTENSION in built["plain"]:
        log(f"ERROR: the sites do not differ by {OUR_EXTENSION} alone: {built}")
        return 1
    if sorted(set(built["auth"]) - {OUR_EXTENSION}) != built["plain"]:
        log(f"ERROR: the sites differ by more than {OUR_EXTENSION}: {built}")
        return 1
    log(f"auth: {', '.join(built['auth'])}; plain: the same without {OUR_EXTENSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
