"""Write lite/overrides.json: the reference site's settings for our plugin, pointing at the dev
platform. `jupyter lite build` folds this file into the site's settings overrides.

Usage: python scripts/lite/write_overrides.py --platform http://127.0.0.1:8700
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import urlsplit

LITE = Path(__file__).resolve().parents[2] / "lite"


def exact_origin(scheme: str, hostname: str, port: int) -> str:
    """The origin as a browser spells it (MessageEvent.origin): no default port, IPv6 in brackets."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", required=True, help="the dev platform's origin")
    parser.add_argument("--output", default=str(LITE / "overrides.json"))
    args = parser.parse_args()
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
            "allowedHostOrigins": [exact_origin(origin.scheme, origin.hostname, port)],
        }
    }
    Path(args.output).write_text(json.dumps(settings, indent=2) + "\n")


if __name__ == "__main__":
    main()
