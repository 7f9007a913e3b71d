"""The JWS algorithms we accept for ID tokens (RFC 7518 section 3) and which keys may verify them.

Only asymmetric ones: a public client has no secret, so `none` and HS* could only be forged.
Each verifier (cryptography, WebCrypto) reads its parameters from this one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidResponse


@dataclass(frozen=True)
class Algorithm:
    name: str
    kty: str  # the JWK key type that can verify it
    scheme: str  # the WebCrypto name: RSASSA-PKCS1-v1_5, RSA-PSS or ECDSA
    hash: str  # SHA-256, SHA-384 or SHA-512
    curve: str | None = None  # ECDSA only; its signature is raw r||s of twice the coordinate size

    @property
    def hash_bytes(self) -> int:
        return int(self.hash[4:]) // 8  # also the RSA-PSS salt length, RFC 7518 section 3.5


_ALL = (
    Algorithm("RS256", "RSA", "RSASSA-PKCS1-v1_5", "SHA-256"),
    Algorithm("RS384", "RSA", "RSASSA-PKCS1-v1_5", "SHA-384"),
    Algorithm("RS512", "RSA", "RSASSA-PKCS1-v1_5", "SHA-512"),
    Algorithm("PS256", "RSA", "RSA-PSS", "SHA-256"),
    Algorithm("PS384", "RSA", "RSA-PSS", "SHA-384"),
    Algorithm("PS512", "RSA", "RSA-PSS", "SHA-512"),
    Algorithm("ES256", "EC", "ECDSA", "SHA-256", "P-256"),
    Algorithm("ES384", "EC", "ECDSA", "SHA-384", "P-384"),
)
ALGORITHMS = {alg.name: alg for alg in _ALL}
_COORDINATE_BYTES = {"P-256": 32, "P-384": 48}


def algorithm(name: Any) -> Algorithm:
    """The accepted algorithm a JWS header names; a clear refusal for anything else."""
    if isinstance(name, str) and name in ALGORITHMS:
        return ALGORITHMS[name]
    if name == "none" or (isinstance(name, str) and name.startswith("HS")):
        why = "unsigned" if name == "none" else "signed with a shared secret, which a public client cannot check"
        raise InvalidResponse(f"The ID token is {why} (alg {name!r}); only public-key signatures are accepted.")
    raise InvalidResponse(
        f"The ID token is signed with an unsupported algorithm {name!r};"
        f" supported: {', '.join(ALGORITHMS)}."
    )


def signature_bytes(alg: Algorithm) -> int | None:
    """The exact length of an ECDSA signature; None for RSA, whose length is the key's."""
    return 2 * _COORDINATE_BYTES[alg.curve] if alg.curve else None


def key_fits(alg: Algorithm, jwk: dict[str, Any]) -> bool:
    """Whether a JWK may verify `alg`: the right type and curve, and not marked for other uses."""
    if jwk.get("kty") != alg.kty or (alg.curve and jwk.get("crv") != alg.curve):
        return False
    if jwk.get("alg") not in (None, alg.name) or jwk.get("use") not in (None, "sig"):
        return False
    ops = jwk.get("key_ops")
    return not isinstance(ops, list) or "verify" in ops


def public_jwk(alg: Algorithm, jwk: dict[str, Any]) -> dict[str, str]:
    """Only the public members both verifiers need, so a stray `d` or `alg` never reaches them."""
    names = ("n", "e") if alg.kty == "RSA" else ("crv", "x", "y")
    members = {name: jwk.get(name) for name in names}
    if not all(isinstance(value, str) and value for value in members.values()):
        raise InvalidResponse(
            f"The provider's key {jwk.get('kid')!r} lacks the {alg.kty} members {', '.join(names)}."
        )
    return {"kty": alg.kty, **members}
