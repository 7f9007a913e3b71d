"""The import path the platform's notebooks use: `from utils.auth import authenticate`."""

from jupyterlite_auth import auth_headers, authenticate, get_access_token, logout

__all__ = ["authenticate", "auth_headers", "get_access_token", "logout"]
