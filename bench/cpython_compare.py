#!/usr/bin/env python3
"""Item 5 (and the CPython half of item 4): the platform's existing sign-in and ours, side by
side in one CPython process against one dev platform.

Per run, each client signs in once (order alternating between runs), after one uncounted
warm-up sign-in each, so neither pays this process's first calls (our caches are emptied before
every sign-in anyway, as in a new kernel). The code is approved with dev-platform/tools/approve.js
(the person's pages in plain HTTP), started one second after the code was issued plus a phase that
the runs spread evenly over one poll interval, the same for both clients; the approval time is
when its success page came back. Reported per client: call -> code shown, requests per sign-in
(and by kind), polls against those of a client polling exactly every interval, slow_down replies,
approval -> tokens, approval -> call returned, import time. For ours also: refresh latency.

Usage: python bench/cpython_compare.py --platform http://127.0.0.1:8720 --runs 5 --json out.json
Run it with .venv-bench (requirements/bench.txt); our package is taken from py/.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpython_clients import CLIENTS, Recorder  # noqa: E402

APPROVE = ROOT / "dev-platform" / "tools" / "approve.js"
REACTION = 1.0  # seconds from the code being issued to the earliest approval
IMPORTS = {"jupyterlite_auth": "jupyterlite_auth", "mat3ra-notebooks-utils": "mat3ra.notebooks_utils.core.api.auth"}


def summarize(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return None
    r = lambda v: round(v, 1)  # noqa: E731
    return {"n": len(values), "median": r(statistics.median(values)), "min": r(min(values)), "max": r(max(values)),
            "values": [r(v) for v in values]}


async def approve(user_code: str, platform: str) -> float:
    """Approves like a person. Returns when the success page came back (perf_counter): the
    platform approves the code while serving that page, so this is the closest observable moment
    (approve.js --verbose reports every response as it happens)."""
    proc = await asyncio.create_subprocess_exec(
        "node", str(APPROVE), user_code, "--platform", platform, "--verbose",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    approved = None
    trail = []
    async for raw in proc.stderr:
        line = raw.decode(errors="replace").strip()
        trail.append(line)
        if re.search(r"GET /oidc/device/\S+ -> 200$", line):
            approved = time.perf_counter()
    out = await proc.stdout.read()
    await proc.wait()
    if proc.returncode != 0 or out.strip() != b"approved" or approved is None:
        raise RuntimeError(f"approve.js exit {proc.returncode}: {' | '.join(trail)[-300:]}")
    return approved


async def one_sign_in(client: str, platform: str, environ: dict, interval: float, phase: float) -> tuple[dict, object]:
    recorder = Recorder(started=time.perf_counter())

    async def person() -> float:
        await recorder.code_shown.wait()
        while recorder.authorized_at is None:
            await asyncio.sleep(0.005)
        await asyncio.sleep(max(0.0, recorder.authorized_at + REACTION + phase - time.perf_counter()))
        return await approve(recorder.user_code, platform)

    approver = asyncio.ensure_future(person())
    try:
        result = await CLIENTS[client](recorder, environ)
    except BaseException:
        approver.cancel()
        raise
    returned = time.perf_counter()
    approved = await approver
    kinds: dict[str, int] = {}
    for _, kind, _, _ in recorder.hits:
        kinds[kind] = kinds.get(kind, 0) + 1
    polls = [h for h in recorder.hits if h[1].endswith("(device_code)")]
    return {
        "codeShownMs": (recorder.code_at - recorder.started) * 1000,
        "approveToTokensMs": (recorder.tokens_at - approved) * 1000 if recorder.tokens_at else None,
        "approveToReturnMs": (returned - approved) * 1000,
        "requests": len(recorder.hits),
        "requestsByKind": kinds,
        "polls": len(polls),
        "fewestPolls": max(1, math.ceil((approved - recorder.authorized_at) / interval)),
        "slowDowns": sum(1 for h in polls if h[3] == "slow_down"),
    }, result


async def refresh_times(session, count: int = 3) -> list[float]:
    times = []
    for _ in range(count):
        t = time.perf_counter()
        await session.refresh()
        times.append((time.perf_counter() - t) * 1000)
    return times


# What an IPython kernel has imported before any cell runs; a notebook's import pays only the rest.
KERNEL_STDLIB = "asyncio, dataclasses, inspect, json, logging, ssl, urllib.request"


def import_times(module: str, count: int = 3) -> list[float]:
    """`import <module>` in a fresh interpreter that already holds KERNEL_STDLIB, after one
    unmeasured import wrote the bytecode (as pip does at install time)."""
    code = (f"import sys, time, {KERNEL_STDLIB}; sys.path.insert(0, {str(ROOT / 'py')!r}); "
            f"t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
            for _ in range(count + 1)]
    return [float(r.stdout) for r in runs[1:]]


async def run(platform: str, runs: int, interval: float) -> dict:
    imports = {name: summarize(import_times(module)) for name, module in IMPORTS.items()}
    for module in IMPORTS.values():
        importlib.import_module(module)  # so that no sign-in below pays for an import
    origin = urlsplit(platform)
    environ = {"API_HOST": origin.hostname, "API_PORT": str(origin.port or 80), "API_SECURE": "false"}
    per_client: dict[str, list[dict]] = {name: [] for name in CLIENTS}
    refreshes: list[float] = []
    for client in CLIENTS:  # warm-up, not counted: neither client pays this process's first calls
        await one_sign_in(client, platform, environ, interval, 0.0)
    for k in range(runs):
        phase = interval * (k + 0.5) / runs
        order = list(CLIENTS) if k % 2 == 0 else list(reversed(CLIENTS))
        for client in order:
            sample, result = await one_sign_in(client, platform, environ, interval, phase)
            per_client[client].append(sample)
            if client == "jupyterlite_auth":
                refreshes += await refresh_times(result)
            print(f"[bench-cpython] run {k + 1}/{runs} {client}: code {sample['codeShownMs']:.0f} ms, "
                  f"{sample['requests']} requests, {sample['polls']} polls (fewest {sample['fewestPolls']}), "
                  f"approval -> tokens {sample['approveToTokensMs']:.0f} ms", flush=True)
    report = {}
    for client, samples in per_client.items():
        report[client] = {
            metric: summarize([s[metric] for s in samples])
            for metric in ("codeShownMs", "requests", "polls", "fewestPolls", "approveToTokensMs", "approveToReturnMs")
        }
        report[client]["slowDowns"] = sum(s["slowDowns"] for s in samples)
        report[client]["extraPolls"] = sum(s["polls"] - s["fewestPolls"] for s in samples)
        report[client]["requestsByKind"] = samples[0]["requestsByKind"]
    for client in report:
        report[client]["importMs"] = imports[client]
    return {"clients": report, "refreshMs": summarize(refreshes), "python": sys.version.split()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--platform", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=5.0, help="the platform's POLL_INTERVAL (s)")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.platform.rstrip("/"), args.runs, args.interval))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
