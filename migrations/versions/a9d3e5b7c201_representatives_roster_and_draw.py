"""representatives: roster, quotas, the draw; invitations

The roster of candidates (phones sealed, ID numbers as keyed hashes), quotas per meeting ×
venue × category, the draw with its public seed and every drawn place. The invited
representatives name their candidate and carry an invitation code; categories become a
campaign setting, so the fixed list's check on the representative table goes, and so does
its one-name-per-venue rule: two drawn people may share a name.

Revision ID: a9d3e5b7c201
Revises: f4a7c2d9e815
Create Date: 2026-12-05 20:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d3e5b7c201"
down_revision = "f4a7c2d9e815"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(
            sa.Column(
                "representative_categories", sa.String(200), nullable=False, server_default=""
            )
        )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("district", sa.String(50), nullable=False),
        sa.Column("sex", sa.String(2), nullable=True),
        sa.Column("age_band", sa.String(10), nullable=True),
        sa.Column("phone_sealed", sa.LargeBinary(100), nullable=True),
        sa.Column("phone_tail", sa.String(4), nullable=True),
        sa.Column("id_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_candidate_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate")),
        sa.UniqueConstraint(
            "campaign_id", "person_id", name=op.f("uq_candidate_campaign_id_person_id")
        ),
        sa.UniqueConstraint(
            "campaign_id", "id_hash", name=op.f("uq_candidate_campaign_id_id_hash")
        ),
    )
    op.create_index(op.f("ix_candidate_campaign_id"), "candidate", ["campaign_id"])
    op.create_table(
        "representative_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_representative_quota_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_representative_quota_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venue.id"],
            name=op.f("fk_representative_quota_venue_id_venue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative_quota")),
        sa.UniqueConstraint(
            "meeting_id",
            "venue_id",
            "category",
            name=op.f("uq_representative_quota_meeting_id_venue_id_category"),
        ),
    )
    op.create_table(
        "representative_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(40), nullable=False),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_representative_draw_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative_draw")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_representative_draw_campaign_id")),
    )
    op.create_table(
        "draw_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["representative_draw.id"],
            name=op.f("fk_draw_place_draw_id_representative_draw"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_draw_place_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venue.id"],
            name=op.f("fk_draw_place_venue_id_venue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_draw_place_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_place")),
        sa.UniqueConstraint(
            "meeting_id",
            "venue_id",
            "category",
            "position",
            name=op.f("uq_draw_place_meeting_id_venue_id_category_position"),
        ),
    )
    op.create_index(op.f("ix_draw_place_draw_id"), "draw_place", ["draw_id"])
    with op.batch_alter_table("representative") as batch:
        batch.drop_constraint(op.f("ck_representative_category_valid"), type_="check")
        batch.drop_constraint(
            op.f("uq_representative_meeting_id_venue_id_name_district"), type_="unique"
        )
        batch.add_column(sa.Column("candidate_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("invitation_code", sa.String(16), nullable=True))
        batch.create_foreign_key(
            op.f("fk_representative_candidate_id_candidate"),
            "candidate",
            ["candidate_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(op.f("uq_representative_candidate_id"), ["candidate_id"])
        batch.create_unique_constraint(
            op.f("uq_representative_invitation_code"), ["invitation_code"]
        )


OLD_CATEGORIES = ("人大代表", "政协委员", "企业", "社区", "市民")


def downgrade():
    # The old schema allowed five fixed categories and one name per venue's list: a roster
    # drawn since may not fit. Refuse before changing anything rather than lose people.
    listed = ", ".join(f"'{c}'" for c in OLD_CATEGORIES)
    misfits = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT count(*) FROM representative WHERE category NOT IN ({listed})"
                " OR id IN (SELECT r.id FROM representative r JOIN representative o"
                " ON o.id < r.id AND o.meeting_id = r.meeting_id AND o.venue_id = r.venue_id"
                " AND o.name = r.name AND o.district = r.district)"
            )
        )
        .scalar()
    )
    if misfits:
        raise RuntimeError(
            f"无法降级到代表库之前的版本：{misfits} 名代表的类别或同名不符合旧的结构。"
            f" Cannot downgrade: {misfits} representatives do not fit the old schema."
        )
    with op.batch_alter_table("representative") as batch:
        batch.drop_constraint(op.f("uq_representative_invitation_code"), type_="unique")
        batch.drop_constraint(op.f("uq_representative_candidate_id"), type_="unique")
        batch.drop_constraint(op.f("fk_representative_candidate_id_candidate"), type_="foreignkey")
        batch.drop_column("invitation_code")
        batch.drop_column("candidate_id")
        batch.create_unique_constraint(
            op.f("uq_representative_meeting_id_venue_id_name_district"),
            ["meeting_id", "venue_id", "name", "district"],
        )
        batch.create_check_constraint(
            op.f("ck_representative_category_valid"),
            f"category IN ({listed})",
        )
    op.drop_index(op.f("ix_draw_place_draw_id"), table_name="draw_place")
    op.drop_table("draw_place")
    op.drop_table("representative_draw")
    op.drop_table("representative_quota")
    op.drop_index(op.f("ix_candidate_campaign_id"), table_name="candidate")
    op.drop_table("candidate")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("representative_categories")
