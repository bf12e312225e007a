"""Personal data at rest: a candidate's phone sealed, an ID number kept only as a keyed hash.

The keys come from the app's secret key (`SANMIN_SECRET_KEY`, kept outside the database), so a
copy of the database alone reads no phone and cannot search ID numbers: the hash is keyed, and
an ID number has too few possibilities for a plain hash to hide it.
"""

from __future__ import annotations

import hashlib

from nacl.secret import SecretBox

from evaluation.core.security import derived_key as _key


def seal_phone(phone: str) -> bytes:
    return bytes(SecretBox(_key(b"sanmin-phone")).encrypt(phone.encode()))


def open_phone(sealed: bytes) -> str:
    return SecretBox(_key(b"sanmin-phone")).decrypt(sealed).decode()


def id_number_hash(id_number: str) -> str:
    """The keyed hash an ID number is matched by (upper-case, spaces removed)."""
    normal = "".join(id_number.split()).upper().encode()
    return hashlib.blake2b(normal, digest_size=32, key=_key(b"sanmin-id-no")).hexdigest()
