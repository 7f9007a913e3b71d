"""Start the real dev platform (node dev-platform/server.js) on free ports for a test."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SERVER = ROOT / "dev-platform" / "server.js"
APPROVE = ROOT / "dev-platform" / "tools" / "approve.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevPlatform:
    def __init__(self, **env: str):
        self.port = free_port()
        self.site_port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.origin}/oidc"
        self.api = f"{self.origin}/api"
        self.env = {**os.environ, "PLATFORM_PORT": str(self.port), "SITE_PORT": str(self.site_port),
                    "CLOCK_TOLERANCE": "0", **env}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "DevPlatform":
        self.process = subprocess.Popen(
            ["node", str(SERVER)], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            seen.append(line)
            if line.startswith("dev-platform ready"):
                return self
        self.stop()
        raise RuntimeError("dev platform did not start:\n" + "".join(seen))

    def __enter__(self) -> "DevPlatform":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def approve(self, user_code: str, *, deny: bool = False) -> subprocess.Popen:
        """Confirm (or cancel) a code over HTTP, as a person would in the browser; runs in the background."""
        args = ["node", str(APPROVE), user_code, "--platform", self.origin] + (["--deny"] if deny else [])
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
