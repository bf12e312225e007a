"""The ballot keys (密钥仪式): holders' passphrases, each box's key pair, opening it 2 of 3.

Each of three people (supervision, statistics and a recovery holder) sets a passphrase for
the campaign; it wraps a key pair of theirs (Argon2id, then XSalsa20-Poly1305). When a box
opens it gets a key pair of its own: ballots are sealed to its public key, and its private
key is split for each pair of holders into two random halves, each sealed to one holder.
Nothing the server stores opens a box: at sealing two holders type their passphrases.
"""

from __future__ import annotations

from itertools import combinations

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from nacl.public import PrivateKey, PublicKey, SealedBox
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ballots.models import BallotBox, BoxKeyPiece, KeyHolder, KeyHolderRole
from evaluation.campaign.models import Campaign
from evaluation.core import audit
from evaluation.core.errors import Conflict, Forbidden, Refused
from evaluation.core.models import Role

HOLDER_LABELS = {
    KeyHolderRole.SUPERVISION: _l("监察局持钥人"),
    KeyHolderRole.STATISTICS: _l("统计局持钥人"),
    KeyHolderRole.RECOVERY: _l("备份持钥人"),
}
# Who sets which passphrase in the office: the recovery holder's is set at the joint
# office and kept in a sealed envelope.
HOLDER_OF_ROLE = {
    Role.SUPERVISION: KeyHolderRole.SUPERVISION,
    Role.STATISTICS: KeyHolderRole.STATISTICS,
    Role.ADMIN: KeyHolderRole.RECOVERY,
}
PASSPHRASE_MIN_LENGTH = 12
# The demo campaign's passphrases are printed with its logins: a rehearsal seals with them.
DEMO_PASSPHRASES = {
    KeyHolderRole.SUPERVISION: "sanmin-demo-supervision",
    KeyHolderRole.STATISTICS: "sanmin-demo-statistics",
    KeyHolderRole.RECOVERY: "sanmin-demo-recovery",
}
# Argon2id cost of a passphrase: about 0.15 s and 64 MiB here ("interactive"); tests use "min".
KDF_COSTS = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "min": (argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN),
}
PAIRS = [f"{a}+{b}" for a, b in combinations(sorted(h.value for h in KeyHolderRole), 2)]


def _wrapping_key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode(),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def holders(session: Session, campaign: Campaign) -> dict[KeyHolderRole, KeyHolder]:
    rows = session.execute(select(KeyHolder).where(KeyHolder.campaign_id == campaign.id))
    return {KeyHolderRole(h.holder): h for h in rows.scalars()}


def set_passphrase(
    session: Session,
    campaign: Campaign,
    holder: KeyHolderRole,
    passphrase: str,
    actor: str,
    cost: str = "interactive",
    old_passphrase: str | None = None,
    public: bool = False,
) -> None:
    """Set a holder's passphrase, or change it (with the old one: the key pair stays).

    `public` is the demo's: only it may use the passphrases printed with the demo logins.
    """
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        raise Refused(_("口令至少需要 %(n)s 个字符。", n=PASSPHRASE_MIN_LENGTH))
    if passphrase in DEMO_PASSPHRASES.values() and not public:
        raise Refused(_("这是演示用的公开口令，不能用于真实的活动。"))
    existing = holders(session, campaign).get(holder)
    if existing is not None:
        if old_passphrase is None:
            raise Conflict(_("该持钥人已设置口令；修改须先输入原口令。"))
        private_key = _unwrap(existing, old_passphrase)
    else:
        private_key = PrivateKey.generate()
        existing = KeyHolder(
            campaign_id=campaign.id, holder=holder.value, public_key=bytes(private_key.public_key)
        )
        session.add(existing)
    opslimit, memlimit = KDF_COSTS[cost]
    salt = nacl.utils.random(argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_wrapping_key(passphrase, salt, opslimit, memlimit))
    existing.salt, existing.opslimit, existing.memlimit = salt, opslimit, memlimit
    existing.wrapped = bytes(box.encrypt(bytes(private_key)))
    session.flush()
    action = "keys.change_passphrase" if old_passphrase is not None else "keys.set_passphrase"
    audit.record(session, actor, action, f"campaign:{campaign.year}", holder=holder.value)


def _unwrap(holder: KeyHolder, passphrase: str) -> PrivateKey:
    key = _wrapping_key(passphrase, holder.salt, holder.opslimit, holder.memlimit)
    try:
        return PrivateKey(nacl.secret.SecretBox(key).decrypt(holder.wrapped))
    except nacl.exceptions.CryptoError:
        label = HOLDER_LABELS[KeyHolderRole(holder.holder)]
        raise Forbidden(_("%(holder)s的口令不正确。", holder=label)) from None


def prepare_box_key(session: Session, box: BallotBox) -> None:
    """Give a box its key pair, split for the holders; the private key is then forgotten."""
    if box.public_key is not None:
        return
    keyed = holders(session, box.campaign)
    if len(keyed) != len(KeyHolderRole):
        missing = "、".join(str(HOLDER_LABELS[h]) for h in KeyHolderRole if h not in keyed)
        raise Conflict(_("请先完成密钥仪式：%(missing)s尚未设置口令。", missing=missing))
    private_key = PrivateKey.generate()
    secret = bytes(private_key)
    for pair in PAIRS:
        first, second = pair.split("+")
        half = nacl.utils.random(len(secret))
        other = bytes(a ^ b for a, b in zip(half, secret, strict=True))
        for name, piece in ((first, half), (second, other)):
            sealed = SealedBox(PublicKey(keyed[KeyHolderRole(name)].public_key)).encrypt(piece)
            session.add(BoxKeyPiece(box_id=box.id, pair=pair, holder=name, sealed=bytes(sealed)))
    box.public_key = bytes(private_key.public_key)
    session.flush()


HolderKeys = dict[KeyHolderRole, PrivateKey]


def unlock_holders(
    session: Session, campaign: Campaign, passphrases: dict[KeyHolderRole, str]
) -> HolderKeys:
    """The private keys of two (or three) holders, from their passphrases."""
    given = {h: p for h, p in passphrases.items() if p}
    if len(given) < 2:
        raise Refused(_("开启投票箱需要两位不同持钥人的口令。"))
    keyed = holders(session, campaign)
    if any(h not in keyed for h in given):
        raise Conflict(_("密钥仪式尚未完成。"))
    return {h: _unwrap(keyed[h], p) for h, p in given.items()}


def demo_ceremony(session: Session, campaign: Campaign, actor: str, cost: str) -> None:
    """Set the demo's public passphrases for the holders that have none yet."""
    keyed = holders(session, campaign)
    for holder, passphrase in DEMO_PASSPHRASES.items():
        if holder not in keyed:
            set_passphrase(session, campaign, holder, passphrase, actor, cost, public=True)


def demo_holder_keys(session: Session, campaign: Campaign) -> HolderKeys | None:
    """The holders' keys when the campaign's passphrases are the demo's public ones."""
    try:
        return unlock_holders(session, campaign, dict(DEMO_PASSPHRASES))
    except Refused:
        return None


def box_private_key(session: Session, box: BallotBox, keys: HolderKeys) -> PrivateKey:
    """Join the two halves of one pair of the unlocked holders into the box's private key."""
    names = sorted(h.value for h in keys)
    pair = f"{names[0]}+{names[1]}"
    pieces = {
        p.holder: p.sealed
        for p in session.execute(
            select(BoxKeyPiece).where(BoxKeyPiece.box_id == box.id, BoxKeyPiece.pair == pair)
        ).scalars()
    }
    if len(pieces) != 2:
        raise Conflict(_("找不到该投票箱的密钥（可能已封箱）。"))
    try:
        halves = [SealedBox(keys[KeyHolderRole(n)]).decrypt(pieces[n]) for n in names[:2]]
    except nacl.exceptions.CryptoError:
        raise Conflict(_("投票箱密钥无法解开：持钥人的密钥与本箱不符。")) from None
    private_key = PrivateKey(bytes(a ^ b for a, b in zip(*halves, strict=True)))
    if bytes(private_key.public_key) != box.public_key:
        raise Conflict(_("投票箱密钥无法解开：持钥人的密钥与本箱不符。"))
    return private_key


def forget_box_key(session: Session, box: BallotBox) -> None:
    """Delete the box's key pieces: once its ballots are written out, nobody needs them."""
    session.execute(delete(BoxKeyPiece).where(BoxKeyPiece.box_id == box.id))
