"""A `jupyter lite build` step that checks this plugin's settings before a site ships with them.

JupyterLite applies `overrides.json` in the browser without checking it: an unknown key stops the
whole application from starting, and a value of the wrong type makes the settings registry refuse
every setting of the plugin. Both are easy to type and hard to diagnose from a blank page, so the
build fails instead, naming the file, the setting and what was expected.

Registered as a `jupyterlite.addon.v0` entry point; `settings_problems` is the pure part.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Iterable

PLUGIN_ID = "jupyterlite-auth:plugin"
SCHEMA_PARTS = ("jupyterlite-auth", "schemas", "jupyterlite-auth", "plugin.json")
_JSON_TYPES = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


def _type_ok(value: Any, expected: str) -> bool:
    if isinstance(value, bool) and expected in ("integer", "number"):
        return False  # JSON true is not a number
    return isinstance(value, _JSON_TYPES.get(expected, (object,)))


def _describe(value: Any) -> str:
    return json.dumps(value)[:60]


def settings_problems(settings: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Every way `settings` (the plugin's entry of an overrides file) breaks `schema`."""
    if not isinstance(settings, dict):
        return [f"{where}: {PLUGIN_ID!r} must be an object of settings, got {_describe(settings)}"]
    properties = schema.get("properties", {})
    problems = []
    for key, value in settings.items():
        spec = properties.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, properties, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(properties))})"
            problems.append(f"{where}: unknown setting {key!r} of {PLUGIN_ID}{hint}")
            continue
        expected = spec.get("type")
        if expected and not _type_ok(value, expected):
            problems.append(f"{where}: setting {key!r} must be {expected}, got {_describe(value)}")
            continue
        if expected == "integer":
            low, high = spec.get("minimum"), spec.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                problems.append(f"{where}: setting {key!r} must be from {low} to {high}, got {value}")
        item_type = (spec.get("items") or {}).get("type") if expected == "array" else None
        if item_type:
            bad = [item for item in value if not _type_ok(item, item_type)]
            if bad:
                problems.append(f"{where}: setting {key!r} must hold only {item_type}s, got {_describe(bad[0])}")
        value_type = (spec.get("additionalProperties") or {}).get("type") if expected == "object" else None
        if value_type:
            bad_keys = [k for k, v in value.items() if not _type_ok(v, value_type)]
            if bad_keys:
                problems.append(f"{where}: setting {key!r} entry {bad_keys[0]!r} must be a {value_type}")
    issuer = settings.get("issuer")
    if isinstance(issuer, str) and issuer.strip():
        problems += _issuer_problems(issuer.strip(), where)
    origins = settings.get("allowedHostOrigins")
    if isinstance(origins, list):
        problems += _origin_problems(origins, where)
    return problems


def _origin_problems(origins: list, where: str) -> list[str]:
    """The page drops an entry that is not an exact origin (it could never match): fail now."""
    from .origins import origin_problem

    return [
        f"{where}: setting 'allowedHostOrigins' entry {entry!r} is {problem}"
        for entry in origins
        if isinstance(entry, str) and (problem := origin_problem(entry))
    ]


def _issuer_problems(issuer: str, where: str) -> list[str]:
    """The kernel's own check (config.check_issuer), at build time rather than at first sign-in."""
    from .config import check_issuer
    from .errors import ConfigError

    try:
        check_issuer(issuer, "site setting issuer")
    except ConfigError as error:
        return [f"{where}: {error}"]
    return []


def _near_misses(keys: Iterable[Any]) -> list[str]:
    """Keys that look like our plugin id but are not it ('jupyterlite-auth', '...:plugins')."""
    return [
        key for key in keys
        if isinstance(key, str) and key != PLUGIN_ID
        and (key.lower().startswith("jupyterlite-auth") or difflib.SequenceMatcher(None, key, PLUGIN_ID).ratio() > 0.85)
    ]


def misplaced_in(lite_dir: Path, apps: Iterable[str]) -> list[str]:
    """Settings that would be silently ignored: under a mistyped plugin id, or under
    jupyter-lite.json's litePluginSettings (read only by JupyterLite's own plugins)."""
    problems = []
    for app in ["", *apps]:
        folder = lite_dir / app if app else lite_dir
        for name in ("overrides.json", "jupyter-lite.json"):
            path = folder / name
            try:
                data = json.loads(path.read_text("utf-8")) if path.is_file() else None
            except ValueError:
                continue  # reported by overrides_in
            if not isinstance(data, dict):
                continue
            config = data.get("jupyter-config-data", {}) if name == "jupyter-lite.json" else {}
            config = config if isinstance(config, dict) else {}
            sections = [data] if name == "overrides.json" else [config.get("settingsOverrides")]
            for section in sections:
                if isinstance(section, dict):
                    for key in _near_misses(section):
                        problems.append(
                            f"{path}: settings under {key!r} are ignored: the plugin id is {PLUGIN_ID!r}"
                        )
            lite_settings = config.get("litePluginSettings")
            if isinstance(lite_settings, dict):
                for key in [k for k in lite_settings if k == PLUGIN_ID or k in _near_misses([k])]:
                    problems.append(
                        f"{path}: litePluginSettings.{key} is ignored (only JupyterLite's own plugins read"
                        f" litePluginSettings): put these settings in overrides.json under {PLUGIN_ID!r}"
                    )
    return problems


def overrides_in(lite_dir: Path, apps: Iterable[str]) -> list[tuple[str, Any]]:
    """The plugin's entries in the overrides a build will apply: overrides.json per app and the
    settingsOverrides of jupyter-lite.json."""
    found = []
    for app in ["", *apps]:
        folder = lite_dir / app if app else lite_dir
        for name, pick in (
            ("overrides.json", lambda data: data),
            ("jupyter-lite.json", lambda data: data.get("jupyter-config-data", {}).get("settingsOverrides", {})),
        ):
            path = folder / name
            if not path.is_file():
                continue
            try:
                data = json.loads(path.read_text("utf-8"))
            except ValueError as error:
                found.append((str(path), ValueError(f"{path}: not valid JSON ({error})")))
                continue
            section = pick(data) if isinstance(data, dict) else {}
            if isinstance(section, dict) and PLUGIN_ID in section:
                found.append((str(path), section[PLUGIN_ID]))
    return found


def find_schema() -> Path | None:
    try:
        from jupyter_core.paths import jupyter_path

        roots = jupyter_path("labextensions")
    except ImportError:
        import sys

        roots = [str(Path(sys.prefix) / "share" / "jupyter" / "labextensions")]
    for root in roots:
        candidate = Path(root).joinpath(*SCHEMA_PARTS)
        if candidate.is_file():
            return candidate
    return None


def check_lite_dir(lite_dir: Path, apps: Iterable[str], schema_path: Path) -> list[str]:
    schema = json.loads(schema_path.read_text("utf-8"))
    problems = misplaced_in(lite_dir, apps)
    for where, settings in overrides_in(lite_dir, apps):
        if isinstance(settings, ValueError):
            problems.append(str(settings))
        else:
            problems += settings_problems(settings, schema, where)
    return problems


def _addon_class():
    from jupyterlite_core.addons.base import BaseAddon

    class SettingsCheckAddon(BaseAddon):
        """Fails `jupyter lite build` (and `check`) on bad jupyterlite-auth settings."""

        __all__ = ["pre_build", "check"]

        def pre_build(self, manager):
            yield from self._tasks(manager)

        def check(self, manager):
            yield from self._tasks(manager)

        def _tasks(self, manager):
            schema = find_schema()
            if schema is None:
                return
            yield self.task(
                name="check",
                doc="check the jupyterlite-auth:plugin settings in overrides.json / jupyter-lite.json",
                uptodate=[False],
                actions=[(self._run, [manager.lite_dir, list(manager.apps or []), schema])],
            )

        def _run(self, lite_dir, apps, schema):
            problems = check_lite_dir(Path(lite_dir), apps, Path(schema))
            for problem in problems:
                self.log.error(f"[lite] [jupyterlite-auth] {problem}")
            return not problems

    return SettingsCheckAddon


_ADDON = None


def __getattr__(name: str):
    # The entry point names the class; define it only when jupyterlite-core asks for it.
    global _ADDON
    if name == "SettingsCheckAddon":
        _ADDON = _ADDON or _addon_class()
        return _ADDON
    raise AttributeError(name)
