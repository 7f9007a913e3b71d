"""Hatch build hook: refresh the kernel wheel inside the labextension.

Runs after the jupyter-builder hook, which skips the whole npm build when the
labextension exists; the kernel wheel is cheap to rebuild, so it is always
rebuilt from the current py/ sources.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class KernelWheelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        script = Path(self.root) / "scripts" / "build_kernel_wheel.py"
        subprocess.run([sys.executable, str(script)], check=True)
