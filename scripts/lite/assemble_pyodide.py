#!/usr/bin/env python3
"""Assemble an offline Pyodide distribution for the JupyterLite site.

Stdlib only (it runs ``python -m pip download`` for the wheels). It writes
``<lite dir>/static/pyodide/`` (or ``--out-dir``):

* the runtime files of the npm package ``pyodide`` (``<lite dir>/node_modules/pyodide``,
  installed by ``npm ci`` in the lite dir);
* the pure-Python wheels pinned with hashes in ``<lite dir>/pyodide-wheels.txt``,
  downloaded once into a cache folder;
* the shim wheels (ipykernel, piplite, pyodide-kernel, widgetsnbextension) named by
  the ``# shim: name==version`` lines of that file, copied from the installed
  ``@jupyterlite/pyodide-kernel-extension`` labextension;
* ``pyodide-lock.json``: the npm lock's ``info`` block and one entry per wheel.

``jupyter lite build`` (run in the lite dir) then copies the folder into the site and
points ``pyodideUrl`` at ``./static/pyodide/pyodide.mjs``.

Everything in ``static/pyodide/`` is owned by this script: files it did not put there
are removed. Unchanged files are not rewritten, and when every pinned wheel is already
in the cache with the right hash, pip is not run (no network).

Exit status: 0 on success, 1 on any problem (with a message saying what to do).
"""

from __future__ import annotations

import argparse
import csv
import email.parser
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: files of the npm ``pyodide`` package that a browser needs (module workers only
#: load the ES module entry point; source maps, the classic pyodide.js, typings and
#: the demo consoles are left out)
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
)
LOCK_NAME = "pyodide-lock.json"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"

#: environment markers as seen by Pyodide 314 (Python 3.14 on Emscripten);
#: python_full_version is replaced by the npm lock's info.python
MARKER_ENV = {
    "os_name": "posix",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "platform_release": "",
    "platform_version": "",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "implementation_version": "3.14.0",
    "python_version": "3.14",
    "python_full_version": "3.14.0",
    "extra": "",
}

PIP_DOWNLOAD_FLAGS = (
    "--require-hashes",
    "--no-deps",
    "--only-binary=:all:",
    "--python-version",
    "3.14",
    "--platform",
    "any",
    "--implementation",
    "py",
    "--disable-pip-version-check",
    "--no-input",
)


class AssembleError(Exception):
    """A problem the user must fix; the message says how."""


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def log(message: str) -> None:
    print(f"[assemble-pyodide] {message}", flush=True)


# --------------------------------------------------------------------------- versions


_VERSION_RE = re.compile(
    r"^\s*v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)(?P<rest>.*)$", re.I
)


def _release(version: str) -> tuple[int, tuple[int, ...]]:
    match = _VERSION_RE.match(version)
    if not match:
        raise ValueError(version)
    release = tuple(int(p) for p in match.group("release").split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    return int(match.group("epoch") or 0), release


def version_satisfies(version: str, specifier: str) -> bool | None:
    """Best-effort PEP 440 check on release numbers (pre/post/dev parts ignored).

    Returns None when a clause cannot be understood (then nobody should fail on it).
    """
    result: bool | None = True
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        match = re.match(r"^(===|~=|==|!=|<=|>=|<|>)\s*(\S+)$", clause)
        if not match:
            return None
        op, want = match.groups()
        if op == "===":
            ok = version == want
        elif want.endswith(".*") and op in ("==", "!="):
            prefix = _release(want[:-2])[1]
            have = _release(version)[1]
            padded = have + (0,) * max(0, len(prefix) - len(have))
            ok = padded[: len(prefix)] == prefix
            ok = ok if op == "==" else not ok
        else:
            try:
                have, wanted = _release(version), _release(want)
            except ValueError:
                return None
            if op == "~=":
                parts = _release(want)[1]
                upper = list(parts[:-1]) if len(parts) > 1 else list(parts)
                upper[-1] += 1
                ok = have >= wanted and have < (wanted[0], tuple(upper))
            else:
                ok = {
                    "==": have == wanted,
                    "!=": have != wanted,
                    "<=": have <= wanted,
                    ">=": have >= wanted,
                    "<": have < wanted,
                    ">": have > wanted,
                }[op]
        if not ok:
            result = False
    return result


# ---------------------------------------------------------------------------- markers


_MARKER_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lpar>\()|(?P<rpar>\))
      | (?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)
      | (?P<bool>and\b|or\b)
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<var>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.X,
)


def _tokenize_marker(marker: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    marker = marker.strip()
    while pos < len(marker):
        match = _MARKER_TOKEN.match(marker, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot parse marker {marker!r} at {marker[pos:]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(marker) and marker[pos].isspace():
            pos += 1
    return tokens


def evaluate_marker(marker: str, env: dict[str, str]) -> bool:
    """Evaluate a PEP 508 environment marker; ``extra`` is never satisfied."""
    tokens = _tokenize_marker(marker)
    pos = 0

    def peek(kind: str, value: str | None = None) -> bool:
        return (
            pos < len(tokens)
            and tokens[pos][0] == kind
            and (value is None or tokens[pos][1] == value)
        )

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"unexpected end of marker {marker!r}")
        pos += 1
        return tokens[pos - 1]

    def value() -> tuple[str, str]:
        kind, text = take()
        if kind == "str":
            return "str", text[1:-1]
        if kind == "var":
            if text == "extra":
                return "extra", ""
            if text not in env:
                raise ValueError(f"unknown marker variable {text!r} in {marker!r}")
            return "var", env[text]
        raise ValueError(f"unexpected {text!r} in marker {marker!r}")

    def compare() -> bool:
        if peek("lpar"):
            take()
            inner = disjunction()
            if not peek("rpar"):
                raise ValueError(f"missing ')' in marker {marker!r}")
            take()
            return inner
        left_kind, left = value()
        op_kind, op = take()
        if op_kind != "op":
            raise ValueError(f"expected an operator in marker {marker!r}")
        op = re.sub(r"\s+", " ", op)
        right_kind, right = value()
        if "extra" in (left_kind, right_kind):
            return False  # extras are never installed here
        if op == "in":
            return left in right
        if op == "not in":
            return left not in right
        if op in ("==", "!=") and not (
            _VERSION_RE.match(left) and _VERSION_RE.match(right)
        ):
            return (left == right) == (op == "==")
        try:
            verdict = version_satisfies(left, f"{op}{right}")
        except ValueError:
            verdict = None
        if verdict is None:
            return (left == right) == (op in ("==", "===", "<=", ">=", "~="))
        return verdict

    def conjunction() -> bool:
        result = compare()
        while peek("bool", "and"):
            take()
            result = compare() and result
        return result

    def disjunction() -> bool:
        result = conjunction()
        while peek("bool", "or"):
            take()
            result = conjunction() or result
        return result

    outcome = disjunction()
    if pos != len(tokens):
        raise ValueError(f"trailing text in marker {marker!r}")
    return outcome


_REQ_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"\s*(?P<spec>\(?[^;]*?\)?)\s*(?:;\s*(?P<marker>.*))?$"
)


def parse_requires_dist(line: str) -> tuple[str, str, str | None]:
    """Return (canonical name, version specifier, marker or None)."""
    match = _REQ_RE.match(line)
    if not match:
        raise ValueError(f"cannot parse Requires-Dist {line!r}")
    spec = match.group("spec").strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    if spec.startswith("@"):
        spec = ""  # a direct URL reference: nothing to check offline
    return canonical(match.group("name")), spec.replace(" ", ""), match.group("marker")


# ----------------------------------------------------------------------------- wheels


@dataclass
class Pin:
    name: str
    version: str
    hashes: set[str] = field(default_factory=set)
    line: int = 0


def parse_wheels_file(path: Path) -> tuple[list[Pin], list[Pin]]:
    """Read ``name==version --hash=sha256:...`` lines and ``# shim: name==version`` lines."""
    pins: list[Pin] = []
    shims: list[Pin] = []
    if not path.exists():
        raise AssembleError(f"{path} not found")
    logical: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        shim = re.match(r"^\s*#\s*shim:\s*(\S+?)==(\S+)\s*$", raw)
        if shim:
            shims.append(Pin(canonical(shim.group(1)), shim.group(2), line=number))
            continue
        text = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not pending:
            start = number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        pending += text
        if pending.strip():
            logical.append((start, pending.strip()))
        pending = ""
    for number, text in logical:
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*(.*)$", text)
        if not match:
            raise AssembleError(
                f"{path}:{number}: expected 'name==version --hash=sha256:<hex>', got {text!r}"
            )
        name, version, rest = match.groups()
        hashes = set(re.findall(r"--hash[= ]sha256:([0-9a-fA-F]{64})\b", rest))
        leftover = re.sub(r"--hash[= ]sha256:[0-9a-fA-F]{64}", "", rest).strip()
        if leftover or not hashes:
            raise AssembleError(
                f"{path}:{number}: {name}=={version} needs one or more "
                f"'--hash=sha256:<64 hex>' and nothing else (got {rest!r})"
            )
        pins.append(Pin(canonical(name), version, {h.lower() for h in hashes}, number))
    seen: dict[str, int] = {}
    for pin in [*pins, *shims]:
        if pin.name in seen:
            raise AssembleError(
                f"{path}:{pin.line}: {pin.name} is listed twice (also line {seen[pin.name]})"
            )
        seen[pin.name] = pin.line
    return pins, shims


def wheel_name_version(filename: str) -> tuple[str, str]:
    parts = filename[: -len(".whl")].split("-")
    if not filename.endswith(".whl") or len(parts) not in (5, 6):
        raise AssembleError(f"{filename} is not a wheel file name")
    return canonical(parts[0]), parts[1]


def is_pure(filename: str) -> bool:
    parts = filename[: -len(".whl")].split("-")
    python_tags, abi, platform = parts[-3], parts[-2], parts[-1]
    return (
        abi == "none"
        and platform == "any"
        and any(t in ("py3", "py2.py3") or t.startswith("py3") for t in python_tags.split("."))
    )


@dataclass
class Wheel:
    path: Path
    name: str
    version: str
    sha256: str
    imports: list[str]
    requires: list[tuple[str, str, str | None]]
    origin: str


def read_wheel(path: Path, sha256: str, origin: str) -> Wheel:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise AssembleError(f"{path} is not a valid wheel: {error}") from error
    with archive:
        names = archive.namelist()
        dist_infos = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
        if len(dist_infos) != 1:
            raise AssembleError(f"{path.name}: expected one .dist-info folder, found {sorted(dist_infos)}")
        dist_info = dist_infos.pop()
        metadata = email.parser.Parser().parsestr(
            archive.read(f"{dist_info}/METADATA").decode("utf-8")
        )
        top_level_file = f"{dist_info}/top_level.txt"
        if top_level_file in names:
            imports = [
                line.strip().replace("/", ".")
                for line in archive.read(top_level_file).decode("utf-8").splitlines()
                if line.strip()
            ]
        else:
            record = archive.read(f"{dist_info}/RECORD").decode("utf-8")
            paths = [row[0] for row in csv.reader(io.StringIO(record)) if row]
            imports = top_level_from_paths(paths)
    name = canonical(metadata["Name"])
    version = metadata["Version"]
    file_name, file_version = wheel_name_version(path.name)
    if (file_name, file_version) != (name, version):
        raise AssembleError(
            f"{path.name}: metadata says {metadata['Name']} {version}, file name disagrees"
        )
    requires = []
    for line in metadata.get_all("Requires-Dist") or []:
        try:
            requires.append(parse_requires_dist(line))
        except ValueError as error:
            raise AssembleError(f"{path.name}: {error}") from error
    imports = sorted(set(imports))
    return Wheel(path, name, version, sha256, imports, requires, origin)


def top_level_from_paths(paths: list[str]) -> list[str]:
    """Importable top-level names of a wheel from its RECORD paths."""
    found: set[str] = set()
    for entry in paths:
        head, _, rest = entry.partition("/")
        if head.endswith((".dist-info", ".data")) or head == "__pycache__":
            continue
        if not rest:
            if head.endswith(".py"):
                found.add(head[:-3])
            elif re.search(r"\.(so|pyd)$", head):
                found.add(head.split(".", 1)[0])
            continue
        if entry.endswith((".py", ".so", ".pyd")) and "__pycache__" not in entry:
            found.add(head)
    return sorted(n for n in found if n.isidentifier())


# -------------------------------------------------------------------------- locating


def find_kernel_labextension(explicit: Path | None) -> Path:
    candidates: list[Path] = []
    if explicit:
        candidates.append(explicit)
    candidates.append(Path(sys.prefix) / "share" / "jupyter" / "labextensions")
    for entry in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        if entry:
            candidates.append(Path(entry) / "labextensions")
    candidates.append(Path(sys.base_prefix) / "share" / "jupyter" / "labextensions")
    candidates.append(Path.home() / ".local" / "share" / "jupyter" / "labextensions")
    for base in candidates:
        ext = base / KERNEL_EXTENSION
        if (ext / "static" / "pypi").is_dir():
            return ext
    raise AssembleError(
        f"cannot find the {KERNEL_EXTENSION} labextension (static/pypi) under "
        + ", ".join(str(c) for c in candidates)
        + ". Run this script with the Python of the venv where jupyterlite-pyodide-kernel "
        "is installed, or pass --labextensions-dir."
    )


def kernel_expected_pyodide(ext: Path) -> str | None:
    """The Pyodide version the kernel extension falls back to (its CDN default URL)."""
    schema = ext / "static" / "schema" / "kernel.v0.schema.json"
    try:
        default = json.loads(schema.read_text("utf-8"))["properties"]["pyodideUrl"]["default"]
    except (OSError, KeyError, ValueError):
        return None
    match = re.search(r"/v(\d+\.\d+\.\d+[^/]*)/", default)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------- syncing


def same_file(src: Path, dest: Path) -> bool:
    """Same bytes (sizes first, then sha256: mtimes from npm or zip extraction mislead)."""
    try:
        if src.stat().st_size != dest.stat().st_size:
            return False
    except FileNotFoundError:
        return False
    return sha256_of(src) == sha256_of(dest)


def sync_file(src: Path, dest: Path) -> bool:
    """Copy src to dest (keeping mtime) unless it is already there; True if copied."""
    if same_file(src, dest):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copy2(src, tmp)
    os.replace(tmp, dest)
    return True


def write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text("utf-8") == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
    return True


# ------------------------------------------------------------------------------- main


def cached_wheels(cache_dir: Path, pins: list[Pin]) -> tuple[dict[str, tuple[Path, str]], list[Pin]]:
    """Map pin name -> (path, sha256) for cache hits; and the pins still missing."""
    by_key: dict[tuple[str, str], list[Path]] = {}
    if cache_dir.is_dir():
        for path in cache_dir.glob("*.whl"):
            try:
                by_key.setdefault(wheel_name_version(path.name), []).append(path)
            except AssembleError:
                continue
    hits: dict[str, tuple[Path, str]] = {}
    missing: list[Pin] = []
    for pin in pins:
        for path in by_key.get((pin.name, pin.version), []):
            digest = sha256_of(path)
            if digest in pin.hashes:
                hits[pin.name] = (path, digest)
                break
        else:
            missing.append(pin)
    return hits, missing


def download(wheels_file: Path, cache_dir: Path, missing: list[Pin]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    log(f"downloading {len(missing)} wheel(s): {', '.join(f'{p.name}=={p.version}' for p in missing)}")
    command = [
        sys.executable, "-m", "pip", "download", *PIP_DOWNLOAD_FLAGS,
        "--dest", str(cache_dir), "-r", str(wheels_file),
    ]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout)
        raise AssembleError(
            "pip download failed (output above). Check the name, version and "
            f"--hash of the lines in {wheels_file}; command: {' '.join(command)}"
        )


def assemble(args: argparse.Namespace) -> int:
    started = time.monotonic()
    lite_dir: Path = args.lite_dir.resolve()
    npm_pyodide = lite_dir / "node_modules" / "pyodide"
    wheels_file: Path = (args.wheels_file or lite_dir / "pyodide-wheels.txt").resolve()
    cache_dir: Path = (args.cache_dir or lite_dir / ".cache" / "pyodide-wheels").resolve()
    out_dir = (args.out_dir or lite_dir / "static" / "pyodide").resolve()

    # 1. the runtime, and that it is the one the kernel extension was built for
    pkg_json = npm_pyodide / "package.json"
    if not pkg_json.exists():
        raise AssembleError(
            f"{npm_pyodide} is missing: run `npm ci` in {lite_dir} first"
        )
    npm_version = json.loads(pkg_json.read_text("utf-8"))["version"]
    ext = find_kernel_labextension(args.labextensions_dir)
    expected = kernel_expected_pyodide(ext)
    if expected and expected != npm_version:
        raise AssembleError(
            f"{ext.name} expects Pyodide {expected} but {lite_dir / 'package.json'} "
            f"installs {npm_version}: pin pyodide to exactly {expected}"
        )
    for name in RUNTIME_FILES:
        if not (npm_pyodide / name).exists():
            raise AssembleError(f"{npm_pyodide / name} is missing: reinstall with `npm ci`")
    npm_lock = json.loads((npm_pyodide / LOCK_NAME).read_text("utf-8"))
    info = npm_lock["info"]
    env = dict(MARKER_ENV)
    if re.match(r"^\d+\.\d+\.\d+$", str(info.get("python", ""))):
        env["python_full_version"] = info["python"]
        env["implementation_version"] = info["python"]
        env["python_version"] = ".".join(info["python"].split(".")[:2])

    # 2. the pinned wheels (pip only when the cache lacks some)
    pins, shims = parse_wheels_file(wheels_file)
    hits, missing = cached_wheels(cache_dir, pins)
    if missing:
        download(wheels_file, cache_dir, missing)
        hits, missing = cached_wheels(cache_dir, pins)
        if missing:
            raise AssembleError(
                "after pip download these wheels are still missing from "
                f"{cache_dir}: {', '.join(f'{p.name}=={p.version}' for p in missing)}"
            )
    wheels: list[Wheel] = []
    for pin in pins:
        path, digest = hits[pin.name]
        wheels.append(read_wheel(path, digest, f"{wheels_file.name}:{pin.line}"))

    # 3. the shim wheels shipped by the kernel extension
    shim_dir = ext / "static" / "pypi"
    available = {}
    for path in sorted(shim_dir.glob("*.whl")):
        available[wheel_name_version(path.name)] = path
    for shim in shims:
        path = available.get((shim.name, shim.version))
        if path is None:
            have = sorted(f"{n}=={v}" for n, v in available)
            raise AssembleError(
                f"{wheels_file}:{shim.line}: shim {shim.name}=={shim.version} is not in "
                f"{shim_dir} (it has {', '.join(have)}); update the '# shim:' line"
            )
        wheels.append(read_wheel(path, sha256_of(path), f"{KERNEL_EXTENSION} static/pypi"))

    # 4. extra local wheels (e.g. the project's own)
    for extra in args.extra_wheel or []:
        path = extra.resolve()
        if not path.is_file():
            raise AssembleError(f"--extra-wheel {extra}: no such file")
        wheels.append(read_wheel(path, sha256_of(path), f"--extra-wheel {extra}"))

    # 5. every wheel pure, every name once, every dependency present and compatible
    problems: list[str] = []
    by_name: dict[str, Wheel] = {}
    for wheel in wheels:
        if not is_pure(wheel.path.name):
            problems.append(f"{wheel.path.name} ({wheel.origin}) is not a pure py3-none-any wheel")
        if wheel.name in by_name:
            problems.append(
                f"{wheel.name} comes twice: {by_name[wheel.name].origin} and {wheel.origin}"
            )
        by_name[wheel.name] = wheel
    depends: dict[str, list[str]] = {}
    for wheel in wheels:
        needed = []
        for dep, spec, marker in wheel.requires:
            try:
                applies = evaluate_marker(marker, env) if marker else True
            except ValueError as error:
                problems.append(f"{wheel.name}: {error}")
                continue
            if not applies:
                continue
            needed.append(dep)
            have = by_name.get(dep)
            if have is None:
                problems.append(
                    f"{wheel.name}=={wheel.version} requires {dep}{spec or ''}, which is not in "
                    f"the set: add a '{dep}==<version> --hash=sha256:<hex>' line to {wheels_file}"
                )
            elif spec and version_satisfies(have.version, spec) is False:
                problems.append(
                    f"{wheel.name}=={wheel.version} requires {dep}{spec}, but the set has "
                    f"{dep}=={have.version} ({have.origin})"
                )
        depends[wheel.name] = sorted(set(needed))
    if problems:
        raise AssembleError("the wheel set is not consistent:\n  - " + "\n  - ".join(problems))

    # 6. write static/pyodide
    out_dir.mkdir(parents=True, exist_ok=True)
    copied = 0
    for name in RUNTIME_FILES:
        copied += sync_file(npm_pyodide / name, out_dir / name)
    for wheel in wheels:
        copied += sync_file(wheel.path, out_dir / wheel.path.name)
    packages = {}
    for wheel in sorted(wheels, key=lambda w: w.name):
        packages[wheel.name] = {
            "name": wheel.name,
            "version": wheel.version,
            "file_name": wheel.path.name,
            "install_dir": "site",
            "sha256": wheel.sha256,
            "package_type": "package",
            "imports": wheel.imports,
            "depends": depends[wheel.name],
            "unvendored_tests": False,
        }
    lock_text = json.dumps({"info": info, "packages": packages}, indent=2, sort_keys=True) + "\n"
    lock_written = write_if_changed(out_dir / LOCK_NAME, lock_text)
    keep = {*RUNTIME_FILES, LOCK_NAME, *(w.path.name for w in wheels)}
    removed = []
    for path in sorted(out_dir.iterdir()):
        if path.name not in keep:
            removed.append(path.name)
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    elapsed = time.monotonic() - started
    log(
        f"Pyodide {npm_version} with {len(wheels)} wheels in {out_dir} "
        f"({copied} file(s) copied, lock {'written' if lock_written else 'unchanged'}"
        f"{', removed ' + ', '.join(removed) if removed else ''}) in {elapsed:.1f}s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--lite-dir", type=Path, default=Path(__file__).resolve().parents[2] / "lite",
        help="the JupyterLite site folder (default: <repo>/lite)",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None,
        help="where downloaded wheels are kept (default: <lite dir>/.cache/pyodide-wheels)",
    )
    parser.add_argument(
        "--wheels-file", type=Path, default=None,
        help="pinned wheel list (default: <lite dir>/pyodide-wheels.txt)",
    )
    parser.add_argument(
        "--labextensions-dir", type=Path, default=None,
        help="a share/jupyter/labextensions folder holding "
        f"{KERNEL_EXTENSION} (default: found from sys.prefix)",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=None,
        help="where to write the distribution (default: <lite dir>/static/pyodide); "
        "for another site, <its lite dir>/static/pyodide. Everything else in it is removed",
    )
    parser.add_argument(
        "--extra-wheel", type=Path, action="append",
        help="a local pure wheel to add to the lock as well (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        return assemble(args)
    except AssembleError as error:
        print(f"[assemble-pyodide] ERROR: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
