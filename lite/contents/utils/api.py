"""A small stand-in for the platform's API client, reading the same environment it reads:
API_HOST, API_PORT, API_SECURE for the address; OIDC_ACCESS_TOKEN for a bearer token (standalone
sign-in), else ACCOUNT_ID and AUTH_TOKEN (handed over by the platform's page).

Like the real client, it reads the environment when a client is created, so create it after
`await authenticate()`.
"""

import os

import requests  # in JupyterLite, `await authenticate()` routes it through the browser (pyodide-http)


class APIError(Exception):
    pass


class _Projects:
    def __init__(self, client):
        self._client = client

    def list(self, query=None):
        params = {key: str(value).lower() if isinstance(value, bool) else value
                  for key, value in (query or {}).items()}
        return self._client.get("projects", params)


class APIClient:
    def __init__(self, host, port, secure, headers):
        scheme = "https" if secure else "http"
        default_port = 443 if secure else 80
        netloc = host if int(port) == default_port else f"{host}:{port}"
        self.base_url = f"{scheme}://{netloc}/api"
        self._headers = headers
        self.projects = _Projects(self)

    @classmethod
    def authenticate(cls):
        token = os.environ.get("OIDC_ACCESS_TOKEN")
        if token:
            headers = {"Authorization": f"Bearer {token}"}
        elif os.environ.get("ACCOUNT_ID") and os.environ.get("AUTH_TOKEN"):
            headers = {"X-Account-Id": os.environ["ACCOUNT_ID"], "X-Auth-Token": os.environ["AUTH_TOKEN"]}
        else:
            raise APIError("No credentials in the environment: run `await authenticate()` first.")
        secure = os.environ.get("API_SECURE", "true").lower() in ("1", "true", "yes", "on")
        return cls(
            os.environ.get("API_HOST", "127.0.0.1"),
            os.environ.get("API_PORT", "443" if secure else "80"),
            secure,
            headers,
        )

    def get(self, path, params=None):
        reply = requests.get(f"{self.base_url}/{path}", params=params, headers=self._headers, timeout=30)
        self.last_status = reply.status_code
        if reply.status_code != 200:
            raise APIError(f"GET /api/{path} answered HTTP {reply.status_code}: {reply.text[:200]}")
        return reply.json()

    def me(self):
        return self.get("me")

    def __repr__(self):
        return f"APIClient({self.base_url})"
