"""The public box index (投票箱公示): every box's manifest and, once sealed, where to check it.

Typed, because the API serves it as it is and its OpenAPI schema is generated from these types.
"""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.boxes import boxes_of
from ballots.manifest import Manifest, manifests
from ballots.models import BoxMinutes, BoxState, MinutesKind
from ballots.publication import MIN_PUBLISHED, publication_units, released, unit_of
from evaluation.campaign.models import Campaign
from evaluation.core.api import Answer

SHA256 = "^[0-9a-f]{64}$"


class PublicApproval(Answer):
    """Extra cards approved for a box, with the reason but not who approved them."""

    count: int
    reason: str


class PublicManifest(Answer):
    """The box's counts (选票台账)."""

    seats: int
    card_limit: int
    cards_issued: int
    cards_voided: int
    cards_used: int
    cards_used_by_paper: int
    cards_used_by_phone: int
    paper_pending: int = Field(description="Paper ballots keyed, not yet in the box")
    ballots: int
    receipts: int
    present: int | None = Field(description="Representatives checked in, where listed")
    attendance: dict[str, list[int]] = Field(description="Category: [invited, came]")
    approvals: list[PublicApproval]
    reconciles: bool


class SealedBox(Answer):
    """Once sealed: receipts, the tally hash and audit head of the closing minutes; once the
    results are released, where to download the records and the salt to check the hash."""

    receipts: int
    tally_hash: str = Field(pattern=SHA256)
    audit_head: str = Field(pattern=SHA256)
    minutes_confirmed: bool
    minutes: str
    records: str | None = Field(
        description="The records' download, once the results are released (each department's "
        "column shuffled on its own)"
    )
    records_boxes: list[int] = Field(
        description="The boxes whose ballots that download holds: a box with fewer than "
        f"{MIN_PUBLISHED} ballots is published with others of its meeting"
    )
    tally_salt: str | None = Field(
        description="Once released, for a box published on its own: tally_hash is the SHA-256 "
        "of this salt, a newline, and the records with every column sorted"
    )
    receipt_list: str


class PublicBox(Answer):
    id: int
    group: int | None
    venue: str | None
    internal: bool
    state: BoxState
    manifest: PublicManifest
    withdrawal_reason: str | None
    sealed: SealedBox | None


def public_manifest(manifest: Manifest) -> PublicManifest:
    return PublicManifest(
        seats=manifest.seats,
        card_limit=manifest.card_limit,
        cards_issued=manifest.cards_issued,
        cards_voided=manifest.cards_voided,
        cards_used=manifest.cards_used,
        cards_used_by_paper=manifest.cards_used_by_paper,
        cards_used_by_phone=manifest.cards_used_by_phone,
        paper_pending=manifest.paper_pending,
        ballots=manifest.ballots,
        receipts=manifest.receipts,
        present=manifest.present,
        attendance=manifest.attendance,
        approvals=[PublicApproval(count=a.count, reason=a.reason) for a in manifest.approvals],
        reconciles=manifest.reconciles,
    )


def box_index(session: Session, campaign: Campaign) -> list[PublicBox]:
    """Every box of the campaign as the public sees it (the page and the API)."""
    boxes = boxes_of(session, campaign)
    figures = manifests(session, boxes)
    closing = {
        m.box_id: m
        for m in session.execute(
            select(BoxMinutes).where(
                BoxMinutes.box_id.in_([b.id for b in boxes]),
                BoxMinutes.kind == MinutesKind.CLOSING.value,
            )
        ).scalars()
    }
    public = released(session, campaign.id)
    units = publication_units(session, boxes) if public else []
    rows = []
    for box in boxes:
        manifest, minutes = figures[box.id], closing.get(box.id)
        sealed = box.current_state == BoxState.SEALED
        unit = unit_of(units, box) or []
        rows.append(
            PublicBox(
                id=box.id,
                group=manifest.group,
                venue=manifest.venue,
                internal=box.is_internal,
                state=box.current_state,
                manifest=public_manifest(manifest),
                withdrawal_reason=box.withdrawal_reason
                if box.current_state == BoxState.WITHDRAWN
                else None,
                sealed=SealedBox(
                    receipts=manifest.receipts,
                    tally_hash=minutes.tally_hash,
                    audit_head=minutes.audit_head,
                    minutes_confirmed=bool(
                        minutes.staff_confirmed_by and minutes.supervision_confirmed_by
                    ),
                    minutes=f"/boxes/{box.id}/minutes",
                    records=f"/boxes/{unit[0].id}/records.csv" if unit else None,
                    records_boxes=[b.id for b in unit],
                    tally_salt=minutes.tally_salt if len(unit) == 1 else None,
                    receipt_list=f"/boxes/{box.id}/receipts.txt",
                )
                if sealed and minutes is not None
                else None,
            )
        )
    return rows
