"""Personal data at rest: AES-GCM for the values, HMAC-SHA256 for matching the same person across cases.

Two keys are derived from ``ledger.data_key`` with HKDF-SHA256 (different ``info`` labels), so the matching
hashes reveal nothing about the encryption key and a leaked hash cannot be reversed without the key (an ID
number has little entropy: an unkeyed hash would fall to a dictionary in minutes). Values are normalised
before hashing (spaces, dashes, ``+86``, upper-case X) so "138-0013-8000" and "13800138000" match.

The settings guard refuses the development default key outside dev profiles (``brain.settings``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from brain.errors import ConfigError

_NONCE = 12
_VERSION = b"\x01"


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fengqiao-ledger", info=info).derive(secret)


def normalise(kind: str, value: str) -> str:
    v = re.sub(r"[\s\-()（）]", "", value.strip())
    if kind == "phone":
        v = re.sub(r"^(?:\+?86|0086)(?=1\d{10}$)", "", v)
    if kind == "id_number":
        v = v.upper()
    return v


class Vault:
    """Encrypts and hashes personal values with keys derived from one secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ConfigError(
                "台账个人信息密钥为空", where="ledger.data_key", hint="设置 BRAIN_LEDGER__DATA_KEY"
            )
        raw = secret.encode()
        self._aead = AESGCM(_derive(raw, b"aes-gcm"))
        self._mac = _derive(raw, b"hmac-match")

    def encrypt(self, value: str | None) -> bytes | None:
        if value is None or value == "":
            return None
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), None)

    def decrypt(self, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        blob = bytes(blob)
        if blob[:1] != _VERSION:
            raise ConfigError(
                "台账个人信息密文版本未知", where="parties", hint="检查 ledger.data_key 是否被更换"
            )
        nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        try:
            return self._aead.decrypt(nonce, body, None).decode()
        except Exception as e:  # InvalidTag: a different key or a tampered value
            raise ConfigError(
                "无法解密台账个人信息", where="parties", hint="ledger.data_key 与写入时的密钥不一致"
            ) from e

    def hash(self, kind: str, value: str | None) -> str | None:
        """A keyed hash of a normalised value (32 hex characters), or None for an empty value."""
        if not value or not value.strip():
            return None
        msg = f"{kind}:{normalise(kind, value)}".encode()
        return hmac.new(self._mac, msg, hashlib.sha256).hexdigest()[:32]
