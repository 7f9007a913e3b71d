"""Write lite/overrides.json: the reference site's settings for our plugin, pointing at the dev
platform. `jupyter lite build` folds this file into the site's settings overrides.

Usage: python scripts/lite/write_overrides.py --platform http://127.0.0.1:8700 \
           [--allow-host-origin https://my-host.example ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
LITE = ROOT / "lite"
sys.path.insert(0, str(ROOT / "py"))  # this checkout's package, whatever is installed

from jupyterlite_auth.origins import exact_origin, origin_problem  # noqa: E402 - the build's own check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", required=True, help="the dev platform's origin")
    parser.add_argument(
        "--allow-host-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another page allowed to embed the site and hand it data (your own host page); repeatable",
    )
    parser.add_argument("--output", default=str(LITE / "overrides.json"))
    args = parser.parse_args()
    extra = []
    for value in args.allow_host_origin:
        problem = origin_problem(value)
        if problem:
            parser.error(f"--allow-host-origin {value!r} is {problem}")
        extra.append(value)
    origin = urlsplit(args.platform)
    if origin.scheme not in ("http", "https") or not origin.hostname or origin.path not in ("", "/"):
        parser.error(f"--platform must be an origin such as http://127.0.0.1:8700, not {args.platform!r}")
    secure = origin.scheme == "https"
    port = origin.port or (443 if secure else 80)
    settings = {
        "jupyterlite-auth:plugin": {
            "issuer": f"{origin.scheme}://{origin.netloc}/oidc",
            # What the platform's API client reads; sign-in derives the same issuer from these.
            "environ": {"API_HOST": origin.hostname, "API_PORT": str(port), "API_SECURE": str(secure).lower()},
            # The platform's host page (/host) embeds the site: trust exactly its origin.
            "allowedHostOrigins": list(dict.fromkeys([exact_origin(origin.scheme, origin.hostname, port), *extra])),
        }
    }
    Path(args.output).write_text(json.dumps(settings, indent=2) + "\n")


if __name__ == "__main__":
    main()
