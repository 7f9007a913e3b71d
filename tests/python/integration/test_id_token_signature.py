"""The dev platform's real RS256 ID token verifies against its JWKS; an altered one does not."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from jupyterlite_auth import jwks
from jupyterlite_auth.errors import InvalidResponse
from jupyterlite_auth.id_token import verify_id_token
from jupyterlite_auth.transports.stdlib import StdlibTransport
from jupyterlite_auth.verifiers import CryptographyVerifier, available_verifier
from test_dev_platform import sign_in


def test_the_platforms_id_token_signature_verifies_and_a_tampered_one_does_not(platform):
    assert isinstance(available_verifier(), CryptographyVerifier)
    session, _, _ = sign_in(platform, {})
    token, metadata = session.tokens.id_token, session.metadata
    jwks.clear_cache()

    def verify(id_token):
        return asyncio.run(verify_id_token(
            id_token, issuer=platform.issuer, client_id=session.config.client_id, now=time.time(),
            jwks_uri=metadata.jwks_uri, transport=StdlibTransport(timeout=10),
        ))

    def decoded(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    head, payload, signature = token.split(".")
    assert decoded(head)["alg"] == "RS256" and decoded(head)["kid"].startswith("dev-")
    claims = verify(token)
    assert claims["aud"] == session.config.client_id and claims["sub"]

    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "someone-else"}).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidResponse, match="RS256 signature does not match"):
        verify(f"{head}.{forged}.{signature}")
