"""The roster of candidates (代表库), the quotas, the draw and the invited representatives.

Personal data (name, phone, ID number) lives only here: the phone sealed with a key outside the
database (`representatives.personal`), the ID number only as a keyed hash for matching, and
attendance never names a card, a box or a ballot.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evaluation.campaign.models import Campaign, Meeting, Venue
from evaluation.core.extensions import db

# Who the representatives are (代表类别), unless the campaign sets its own list.
DEFAULT_CATEGORIES = ("人大代表", "政协委员", "企业代表", "社区居民", "市民", "媒体", "专家学者")
SEXES = ("男", "女")
AGE_BANDS = ("18-34", "35-49", "50-64", "65+")


def categories_of(campaign: Campaign) -> tuple[str, ...]:
    """The campaign's representative categories, in the order quotas and the draw use."""
    chosen = tuple(c for c in (campaign.representative_categories or "").split(",") if c)
    return chosen or DEFAULT_CATEGORIES


class Candidate(db.Model):
    """One person in the roster a campaign's representatives are drawn from."""

    __tablename__ = "candidate"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        UniqueConstraint("campaign_id", "id_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(40))  # the roster's own stable id, public
    name: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str | None] = mapped_column(String(2))
    age_band: Mapped[str | None] = mapped_column(String(10))
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(100))
    phone_tail: Mapped[str | None] = mapped_column(String(4))  # found by at check-in
    id_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash: matching only


class Quota(db.Model):
    """How many of a category one venue invites to one meeting (名额), optionally of one sex
    or age band ("" is any)."""

    __tablename__ = "representative_quota"
    __table_args__ = (
        UniqueConstraint(
            "meeting_id",
            "venue_id",
            "category",
            "sex",
            "age_band",
            name="uq_representative_quota_stratum",
        ),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    sex: Mapped[str] = mapped_column(String(2), default="")
    age_band: Mapped[str] = mapped_column(String(10), default="")
    count: Mapped[int]

    meeting: Mapped[Meeting] = relationship()
    venue: Mapped[Venue] = relationship()


class Draw(db.Model):
    """The campaign's draw (抽取): the public seed it was made with, by whom and when."""

    __tablename__ = "representative_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), unique=True
    )
    seed: Mapped[str] = mapped_column(String(40))
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[dt.datetime]


class DrawPlace(db.Model):
    """A candidate's place in one stratum's drawn order: the first `quota` are invited, the
    rest are the ranked reserves (候补) the district replaces from."""

    __tablename__ = "draw_place"
    __table_args__ = (
        UniqueConstraint(
            "meeting_id",
            "venue_id",
            "category",
            "sex",
            "age_band",
            "position",
            name="uq_draw_place_stratum",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(
        ForeignKey("representative_draw.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    sex: Mapped[str] = mapped_column(String(2), default="")
    age_band: Mapped[str] = mapped_column(String(10), default="")
    position: Mapped[int]  # 1-based
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    # Replaced or cancelled by the district: never brought back as a reserve or at the door.
    struck: Mapped[bool] = mapped_column(default=False)

    candidate: Mapped[Candidate] = relationship()


class Representative(db.Model):
    """A citizen representative invited to one meeting at one venue, and whether they came.

    Attendance is kept apart from voting: nothing here names a card, a box or a ballot. A
    drawn representative names its candidate (one invitation per person in a campaign) and
    carries the random code of its invitation's check-in QR.
    """

    __tablename__ = "representative"
    # Two drawn people may share a name and district: a person is their candidate, and an
    # imported list is kept free of doubles by its import.
    __table_args__ = (
        UniqueConstraint("candidate_id"),
        UniqueConstraint("invitation_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(50), default="")
    attended: Mapped[bool] = mapped_column(default=False)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    invitation_code: Mapped[str | None] = mapped_column(String(16))


class ListAcceptance(db.Model):
    """A district's acceptance (区市审核确认) of its venue's list for one meeting. A later
    replacement withdraws it: the district accepts the list as it then stands."""

    __tablename__ = "representative_list_acceptance"
    __table_args__ = (UniqueConstraint("meeting_id", "venue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    accepted_by: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[dt.datetime]
