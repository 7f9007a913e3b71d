"""Signature verifiers: WebCrypto in Pyodide, the `cryptography` package in CPython when installed.

Both take the same arguments and answer the same way: True or False for the signature, and an
`InvalidResponse` when the provider's key itself is unusable. Neither is a dependency of the
package; `available_verifier()` returns None when there is neither.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from .errors import InvalidResponse
from .jwa import Algorithm, public_jwk, signature_bytes
from .transports import in_pyodide


class Verifier(Protocol):
    async def verify(self, alg: Algorithm, jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool: ...


def available_verifier() -> Verifier | None:
    if in_pyodide():
        return WebCryptoVerifier() if WebCryptoVerifier.available() else None
    try:
        import cryptography.hazmat.primitives.asymmetric  # noqa: F401 - lazily: an optional package
    except ImportError:
        return None
    return CryptographyVerifier()


def b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _unusable(alg: Algorithm, jwk: dict[str, Any]) -> InvalidResponse:
    kid = jwk.get("kid")
    return InvalidResponse(f"The provider's key {kid!r} is not a valid {alg.kty} public key for {alg.name}.")


class CryptographyVerifier:
    """CPython, with the `cryptography` package. ECDSA wants DER, so the JWS r||s is re-encoded."""

    async def verify(self, alg: Algorithm, jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        members = public_jwk(alg, jwk)
        size = signature_bytes(alg)
        if size is not None and len(signature) != size:
            return False
        digest = {"SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384, "SHA-512": hashes.SHA512}[alg.hash]()
        try:
            if alg.kty == "RSA":
                key = rsa.RSAPublicNumbers(b64url_int(members["e"]), b64url_int(members["n"])).public_key()
                pad = (padding.PSS(padding.MGF1(digest), salt_length=alg.hash_bytes)
                       if alg.scheme == "RSA-PSS" else padding.PKCS1v15())
                key.verify(signature, signing_input, pad, digest)
            else:
                curve = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1}[members["crv"]]()
                x, y = b64url_int(members["x"]), b64url_int(members["y"])
                key = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
                r, s = signature[: size // 2], signature[size // 2 :]
                der = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
                key.verify(der, signing_input, ec.ECDSA(digest))
        except InvalidSignature:
            return False
        except ValueError:  # not base64url, or numbers that make no public key
            raise _unusable(alg, jwk) from None
        return True


def webcrypto_params(alg: Algorithm) -> tuple[dict[str, Any], dict[str, Any]]:
    """The WebCrypto `importKey` and `verify` algorithm parameters for a JWS algorithm."""
    if alg.kty == "EC":
        return {"name": "ECDSA", "namedCurve": alg.curve}, {"name": "ECDSA", "hash": alg.hash}
    if alg.scheme == "RSA-PSS":
        return {"name": alg.scheme, "hash": alg.hash}, {"name": alg.scheme, "saltLength": alg.hash_bytes}
    return {"name": alg.scheme, "hash": alg.hash}, {"name": alg.scheme}


class WebCryptoVerifier:
    """Pyodide: the browser's `crypto.subtle`, whose promises we await. It imports JWKs directly and
    takes ECDSA signatures as raw r||s, just as JWS carries them."""

    @staticmethod
    def available() -> bool:
        try:
            import js  # type: ignore[import-not-found]

            return getattr(js.crypto, "subtle", None) is not None  # only in secure contexts
        except Exception:  # noqa: BLE001 - no js module, or no crypto in this worker
            return False

    async def verify(self, alg: Algorithm, jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool:
        import js  # type: ignore[import-not-found]
        from pyodide.ffi import to_js  # type: ignore[import-not-found]

        members = public_jwk(alg, jwk)
        size = signature_bytes(alg)
        if size is not None and len(signature) != size:
            return False
        import_params, verify_params = webcrypto_params(alg)

        def obj(value: dict[str, Any]) -> Any:
            return to_js(value, dict_converter=js.Object.fromEntries)

        try:
            key = await js.crypto.subtle.importKey("jwk", obj(members), obj(import_params), False, to_js(["verify"]))
        except Exception:  # noqa: BLE001 - a DOMException: the key is malformed
            raise _unusable(alg, jwk) from None
        valid = await js.crypto.subtle.verify(obj(verify_params), key, to_js(signature), to_js(signing_input))
        return bool(valid)
