"""Build the kernel wheel and put it, with a piplite index, into the labextension.

The kernel wheel is built from ``py/pyproject.toml`` (only the Python package)
and copied to ``<labextension>/static/pypi/`` with an ``all.json`` in the
format jupyterlite-pyodide-kernel's piplite addon writes, so every lite site
built with this extension can ``piplite.install("jupyterlite-auth")`` offline.

Runs after ``jupyter-builder build`` (which rewrites ``static/``): as the npm
script ``build:kernel-wheel`` and from the root build hook. Stdlib only, plus
hatchling (the build backend, so it is present wherever the distribution is
built); without hatchling it falls back to ``pip wheel``.
"""

from __future__ import annotations

import argparse
import datetime
import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_PROJECT = ROOT / "py"
ALL_JSON = "all.json"
# hatchling's timestamp for reproducible builds when SOURCE_DATE_EPOCH is unset
DEFAULT_EPOCH = 1580601600


def labextension_paths() -> tuple[Path, Path]:
    """The labextension dir and its ``piplite.wheelDir``, from the root package.json."""
    pkg = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    labext = ROOT / pkg["jupyterlab"]["outputDir"]
    return labext, labext / pkg["piplite"]["wheelDir"]


def build_wheel(dest: Path) -> Path:
    """Build the kernel wheel into ``dest`` and return its path."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            import hatchling  # noqa: F401

            cmd = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", tmp]
        except ImportError:
            cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp, "."]
        subprocess.run(cmd, cwd=KERNEL_PROJECT, check=True, stdout=subprocess.DEVNULL)
        wheels = sorted(Path(tmp).glob("*-py3-none-any.whl"))
        if len(wheels) != 1:
            raise SystemExit(f"expected one pure wheel from {KERNEL_PROJECT}, got {wheels}")
        dest.mkdir(parents=True, exist_ok=True)
        for old in dest.glob("*.whl"):
            old.unlink()
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
    # all.json's upload_time comes from the file's mtime: pin it for reproducible builds.
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    os.utime(target, (epoch, epoch))
    return target


def wheel_metadata(whl: Path) -> tuple[str, str, str | None]:
    """Name, version and Requires-Python from the wheel's METADATA."""
    with zipfile.ZipFile(whl) as zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise SystemExit(f"{whl.name}: expected one .dist-info/METADATA, got {names}")
        meta = email.parser.BytesParser().parsebytes(zf.read(names[0]), headersonly=True)
    return meta["Name"], meta["Version"], meta.get("Requires-Python")


def release_entry(whl: Path) -> tuple[str, str, dict]:
    """One Warehouse-like release entry, as piplite's ``get_wheel_fileinfo`` makes it."""
    name, version, requires_python = wheel_metadata(whl)
    data = whl.read_bytes()
    stat = whl.stat()
    isodate = (
        datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.timezone.utc)
        .isoformat()
        .split("+")[0]
        + "Z"
    )
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - part of the index format, not security
    release = {
        "comment_text": "",
        "digests": {"sha256": sha256, "md5": md5},
        "downloads": -1,
        "filename": whl.name,
        "has_sig": False,
        "md5_digest": md5,
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "requires_python": requires_python,
        "size": stat.st_size,
        "upload_time": isodate,
        "upload_time_iso_8601": isodate,
        "url": f"./{whl.name}",
        "yanked": False,
        "yanked_reason": None,
    }
    return name, version, release


def wheel_index(wheels: list[Path]) -> dict:
    """The ``all.json`` object: normalized name -> releases -> version -> [release]."""
    index: dict = {}
    for whl in sorted(wheels):
        name, version, release = release_entry(whl)
        normalized = re.sub(r"[-_.]+", "-", name).lower()  # PEP 503
        index.setdefault(normalized, {"releases": {}})["releases"][version] = [release]
    return index


def write_index(wheel_dir: Path) -> Path:
    wheels = sorted(wheel_dir.glob("*.whl"))
    index = wheel_index(wheels)
    path = wheel_dir / ALL_JSON
    # Same serialisation as jupyterlite-core's JSON_FMT.
    path.write_text(json.dumps(index, sort_keys=True, indent=2), encoding="utf-8")
    check_against_upstream(wheels, index)
    return path


def check_against_upstream(wheels: list[Path], index: dict) -> None:
    """Where jupyterlite-pyodide-kernel is importable, compare with its own index."""
    try:
        from jupyterlite_pyodide_kernel.addons.piplite import get_wheel_index
    except Exception:  # noqa: BLE001 - optional: not installed in isolated builds
        return
    upstream = json.loads(json.dumps(get_wheel_index(wheels)))
    if upstream != index:
        print(
            "WARNING: all.json differs from jupyterlite_pyodide_kernel's get_wheel_index; "
            "check the piplite index format",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="wheel directory (default: <outputDir>/<piplite.wheelDir> from package.json)",
    )
    args = parser.parse_args(argv)
    labext, default_out = labextension_paths()
    out = args.out or default_out
    if args.out is None and not (labext / "package.json").exists():
        raise SystemExit(f"{labext} has no package.json: build the labextension first")
    whl = build_wheel(out)
    index = write_index(out)
    print(f"kernel wheel: {whl}; index: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
