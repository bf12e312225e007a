"""Invariant 2 played as the attacker: someone with the database, its files or one passphrase.

32 ballots with distinct known patterns are cast through HTTP. The attacker then reads
everything: every table with full SQL, PostgreSQL's transaction ids and row positions, and
copies of the SQLite files (with their write-ahead log) taken mid-vote and after sealing.
No card's pattern, and no casting order, may come out.
"""

from __future__ import annotations

import re
import shutil
import time
from itertools import product
from pathlib import Path

import pytest
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from scipy.stats import spearmanr
from sqlalchemy import text

from ballots.cards import hash_secret
from ballots.casting import repeat_box, repeat_receipt
from ballots.keys import DEMO_PASSPHRASES, box_private_key, unlock_holders
from ballots.lifecycle import move_box
from ballots.models import (
    Ballot,
    BallotRating,
    BoxKeyPiece,
    BoxState,
    KeyHolderRole,
    PendingBallot,
    Rating,
    VotingToken,
)
from evaluation.core.errors import Refused
from tests.conftest import on_postgresql, seal

BALLOTS = 32


def _patterns(election) -> list[dict[int, Rating]]:
    every = product(list(Rating), repeat=len(election.departments))
    chosen = [next(every) for _ in range(BALLOTS)]
    return [dict(zip([d.id for d in election.departments], p, strict=True)) for p in chosen]


def _cast_all(client, election, db) -> list[dict[int, Rating]]:
    from ballots.cards import issue_cards

    cards = election.cards + issue_cards(db.session, election.box, BALLOTS, "admin")
    db.session.commit()
    election.cards[:] = cards[:BALLOTS]
    patterns = _patterns(election)
    for i, (card, pattern) in enumerate(zip(election.cards, patterns, strict=True)):
        data = {f"r{d}": r.value for d, r in pattern.items()}
        data[f"c{election.departments[0].id}"] = f"秘密标记{i:02d}号意见"
        assert client.post(f"/v/{card.token}", data=data).status_code == 200
    return patterns


def _copy_files(db, folder: Path) -> bytes:
    """What a copied disk holds: the database file and its write-ahead log, as bytes."""
    source = Path(db.engine.url.database)
    folder.mkdir()
    copied = b""
    for suffix in ("", "-wal", "-journal"):
        path = source.with_name(source.name + suffix)
        if path.exists():
            shutil.copy(path, folder / path.name)
            copied += (folder / path.name).read_bytes()
    return copied


def _close_and_seal(db, box) -> None:
    box.state = BoxState.CLOSED.value
    db.session.commit()
    seal(db.session, box)
    db.session.commit()


def _pattern_of(db, ballot_id: str) -> tuple:
    rows = db.session.query(BallotRating).filter_by(ballot_id=ballot_id)
    return tuple(sorted((r.department_id, r.rating) for r in rows))


def _key(pattern: dict[int, Rating]) -> tuple:
    return tuple(sorted((d, r.value) for d, r in pattern.items()))


def test_mid_vote_the_database_holds_no_ballot_content_only_ciphertext(
    client, election, db, tmp_path
):
    _cast_all(client, election, db)
    with db.engine.connect() as sql:
        # Full SQL access: no ballot, rating or comment exists before sealing.
        for table in ("ballot", "ballot_rating", "ballot_comment"):
            assert sql.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        pool = [bytes(r[0]) for r in sql.execute(text("SELECT sealed FROM ballot_pool"))]
    assert len(pool) == BALLOTS
    assert len({len(c) for c in pool}) == 1  # every sealed ballot is as long as the others
    for sealed in pool:
        assert "秘密标记".encode() not in sealed and b"satisfied" not in sealed
    if not on_postgresql():
        copied = _copy_files(db, tmp_path / "mid-vote")
        # No comment and no ballot in the clear anywhere in the files, WAL included.
        assert "秘密标记".encode() not in copied


def test_the_pool_cannot_be_opened_with_the_database_and_one_passphrase(client, election, db):
    _cast_all(client, election, db)
    campaign, box = election.box.campaign, election.box
    for holder in KeyHolderRole:
        with pytest.raises(Refused, match="两位不同持钥人"):
            unlock_holders(db.session, campaign, {holder: DEMO_PASSPHRASES[holder]})
        # With one holder's key and the whole database, each half that holder can open is
        # random bytes, not the box's key.
        key = unlock_holders(db.session, campaign, _two_with(holder))[holder]
        pieces = db.session.query(BoxKeyPiece).filter_by(box_id=box.id, holder=holder.value)
        for piece in pieces:
            half = SealedBox(key).decrypt(piece.sealed)
            assert bytes(PrivateKey(half).public_key) != box.public_key
    wrong = {
        KeyHolderRole.SUPERVISION: "not the passphrase",
        KeyHolderRole.STATISTICS: DEMO_PASSPHRASES[KeyHolderRole.STATISTICS],
    }
    with pytest.raises(Refused, match="口令不正确"):
        unlock_holders(db.session, campaign, wrong)


def _other(holder: KeyHolderRole) -> KeyHolderRole:
    return next(h for h in KeyHolderRole if h != holder)


def _two_with(holder: KeyHolderRole) -> dict[KeyHolderRole, str]:
    return {h: DEMO_PASSPHRASES[h] for h in (holder, _other(holder))}


def test_any_two_of_the_three_holders_open_the_box(election, db):
    box = election.box
    for pair in ((0, 1), (0, 2), (1, 2)):
        names = [list(KeyHolderRole)[i] for i in pair]
        keys = unlock_holders(db.session, box.campaign, {h: DEMO_PASSPHRASES[h] for h in names})
        assert bytes(box_private_key(db.session, box, keys).public_key) == box.public_key


def test_after_sealing_nothing_joins_a_card_or_the_casting_order_to_a_ballot(
    client, election, db, tmp_path
):
    patterns = _cast_all(client, election, db)
    cast_order = {_key(p): i for i, p in enumerate(patterns)}
    with db.engine.connect() as sql:
        ciphertexts = [bytes(r[0]) for r in sql.execute(text("SELECT sealed FROM ballot_pool"))]
        pieces = [bytes(r[0]) for r in sql.execute(text("SELECT sealed FROM box_key_piece"))]
    _close_and_seal(db, election.box)
    db.session.expire_all()
    assert db.session.query(PendingBallot).count() == 0
    assert db.session.query(BoxKeyPiece).filter_by(box_id=election.box.id).count() == 0
    stored = {_pattern_of(db, b.id) for b in db.session.query(Ballot)}
    assert stored == set(cast_order)  # every ballot is there, as cast

    if on_postgresql():
        with db.engine.connect() as sql:
            ballot_xids = {
                r[0] for r in sql.execute(text("SELECT xmin::text FROM ballot_rating"))
            } | {r[0] for r in sql.execute(text("SELECT xmin::text FROM ballot"))}
            card_xids = {
                r[0]
                for r in sql.execute(text("SELECT xmin::text FROM voting_token WHERE state='used'"))
            }
            receipt_xids = {
                r[0] for r in sql.execute(text("SELECT xmin::text FROM ballot_receipt"))
            }
            physical = [
                r[0] for r in sql.execute(text("SELECT id FROM ballot ORDER BY ctid")).fetchall()
            ]
            pool_file = sql.execute(
                text("SELECT pg_read_binary_file(pg_relation_filepath('ballot_pool'))")
            ).scalar()
        # All of a box's ballots were written by one transaction, which used no card.
        assert len(ballot_xids) == 1 and not ballot_xids & (card_xids | receipt_xids)
        # The rewritten pool table keeps none of the ciphertexts.
        assert not any(c[:48] in bytes(pool_file) for c in ciphertexts)
    else:
        with db.engine.connect() as sql:
            physical = [r[0] for r in sql.exec_driver_sql("SELECT id FROM ballot")]
        copied = _copy_files(db, tmp_path / "after-seal")
        # Neither the sealed ballots nor the key pieces survive in the file or its log.
        assert not any(c[:48] in copied for c in ciphertexts)
        assert not any(p[:48] in copied for p in pieces)
    order = [cast_order[_pattern_of(db, ballot_id)] for ballot_id in physical]
    assert order != sorted(order)
    rho = spearmanr(order, range(len(order))).statistic
    assert abs(rho) < 0.9  # a shuffled order: |rho| ≥ 0.9 has odds below 1 in 10 million


def test_a_card_and_its_receipt_hash_never_name_its_ballot(client, election, db):
    _cast_all(client, election, db)
    _close_and_seal(db, election.box)
    card_hashes = {hash_secret(c.token) for c in election.cards}
    with db.engine.connect() as sql:
        for table in ("ballot", "ballot_rating", "ballot_comment", "box_tally"):
            dump = repr(sql.execute(text(f"SELECT * FROM {table}")).fetchall())
            assert not any(h in dump for h in card_hashes)


def test_the_receipt_kept_for_a_double_tap_opens_only_for_the_phone_that_voted(
    client, election, db
):
    """A double tap of 提交 shows the receipt again. The receipt is kept sealed under the card's
    token (the database holds only its hash) and the ballot page's one-time value: with the
    whole database the attacker cannot open it, a phone that opens the card afresh (a stolen
    card) gets the warning that the card was used, and closing the box removes it."""
    card = election.cards[0]
    page = client.get(f"/v/{card.token}").get_data(as_text=True)
    nonce = re.search(r'name="n" value="([^"]+)"', page).group(1)
    ballot = election.full_ballot() | {"n": nonce}
    first = client.post(f"/v/{card.token}", data=ballot).get_data(as_text=True)
    receipt = first.split('<p class="receipt">')[1].split("<")[0]

    again = client.post(f"/v/{card.token}", data=ballot)  # the double tap
    assert again.status_code == 409 and "已经收到" in again.get_data(as_text=True)
    assert receipt in again.get_data(as_text=True)
    stolen = client.post(f"/v/{card.token}", data=election.full_ballot())  # a fresh page
    assert "这张评议卡已经投过票" in stolen.get_data(as_text=True) and receipt not in stolen.text

    rows = db.session.execute(text("SELECT token_hash, repeat_receipt FROM voting_token")).all()
    (token_hash, sealed), *_ = [r for r in rows if r[1] is not None]
    assert receipt.encode() not in sealed
    for guess in (token_hash, hash_secret(token_hash), ""):  # all the database knows
        with pytest.raises(CryptoError):
            repeat_box(guess, nonce).decrypt(sealed)
    assert repeat_receipt(db.session, card.token, "another page", time.time()) is None
    late = time.time() + 11 * 60
    assert repeat_receipt(db.session, card.token, nonce, late) is None  # the window has passed

    move_box(db.session, election.box, BoxState.CLOSED, None)
    db.session.commit()
    assert (
        db.session.query(VotingToken).filter(VotingToken.repeat_receipt.is_not(None)).count() == 0
    )
    closed = client.post(f"/v/{card.token}", data=ballot)
    assert receipt not in closed.get_data(as_text=True)
