"""Passwords: Argon2id hashes made and checked off the event loop, and the strength rule.

``AuthManager`` (logins, the first admin) and ``UserManager`` (new passwords)
use one ``Passwords``. A login for a user that does not exist verifies a dummy
hash, so that it takes as long as one that does. Nothing here stores anything.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from raydeck.errors import FieldError, InvalidInput

MIN_PASSWORD_LENGTH = 8


class Passwords:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy_hash = ""

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)

    async def dummy(self) -> str:
        """A hash of nothing anyone knows, made once: what a login of no user verifies."""
        if not self._dummy_hash:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "the password is too weak",
            [FieldError("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")],
        )
