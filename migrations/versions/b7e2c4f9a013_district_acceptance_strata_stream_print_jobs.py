"""representatives: district role and acceptance, quotas by sex and age; stream; print jobs

A district's acceptance of its venue's list per meeting; quotas (and the draw's places) may
name a sex and an age band ("" is any); a drawn place is struck when the district replaces or
cancels its person (before, a replaced person could come back as the next reserve); a
meeting's live-stream address for the venue screens; the office's background card print
jobs; the district organiser's role (区市), who reviews a venue's drawn people (a downgrade
turns such accounts into inactive venue staff).

Revision ID: b7e2c4f9a013
Revises: a9d3e5b7c201
Create Date: 2026-12-05 22:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2c4f9a013"
down_revision = "a9d3e5b7c201"
branch_labels = None
depends_on = None


ROLES = "'admin', 'department', 'venue_staff', 'supervision', 'statistics', 'reviewer'"


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("ck_user_account_role_valid"), type_="check")
        batch.create_check_constraint("role_valid", f"role IN ({ROLES}, 'district')")
    with op.batch_alter_table("representative_quota") as batch:
        batch.add_column(sa.Column("sex", sa.String(2), nullable=False, server_default=""))
        batch.add_column(sa.Column("age_band", sa.String(10), nullable=False, server_default=""))
        batch.drop_constraint(
            op.f("uq_representative_quota_meeting_id_venue_id_category"), type_="unique"
        )
        batch.create_unique_constraint(
            "uq_representative_quota_stratum",
            ["meeting_id", "venue_id", "category", "sex", "age_band"],
        )
    with op.batch_alter_table("draw_place") as batch:
        batch.add_column(sa.Column("sex", sa.String(2), nullable=False, server_default=""))
        batch.add_column(sa.Column("age_band", sa.String(10), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("struck", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_constraint(
            op.f("uq_draw_place_meeting_id_venue_id_category_position"), type_="unique"
        )
        batch.create_unique_constraint(
            "uq_draw_place_stratum",
            ["meeting_id", "venue_id", "category", "sex", "age_band", "position"],
        )
    op.create_table(
        "representative_list_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("accepted_by", sa.String(64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_representative_list_acceptance_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venue.id"],
            name=op.f("fk_representative_list_acceptance_venue_id_venue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representative_list_acceptance")),
        sa.UniqueConstraint(
            "meeting_id",
            "venue_id",
            name=op.f("uq_representative_list_acceptance_meeting_id_venue_id"),
        ),
    )
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("stream_url", sa.String(300), nullable=True))
    op.create_table(
        "card_print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("boxes", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("cards_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_card_print_job_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_print_job")),
        sa.CheckConstraint(
            "state IN ('running', 'ready', 'failed', 'discarded')",
            name=op.f("ck_card_print_job_state_valid"),
        ),
    )


def downgrade():
    op.execute("UPDATE user_account SET active = false WHERE role = 'district'")
    op.execute("UPDATE user_account SET role = 'venue_staff' WHERE role = 'district'")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("ck_user_account_role_valid"), type_="check")
        batch.create_check_constraint("role_valid", f"role IN ({ROLES})")
    op.drop_table("card_print_job")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("stream_url")
    op.drop_table("representative_list_acceptance")
    with op.batch_alter_table("draw_place") as batch:
        batch.drop_constraint("uq_draw_place_stratum", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_draw_place_meeting_id_venue_id_category_position"),
            ["meeting_id", "venue_id", "category", "position"],
        )
        batch.drop_column("struck")
        batch.drop_column("age_band")
        batch.drop_column("sex")
    with op.batch_alter_table("representative_quota") as batch:
        batch.drop_constraint("uq_representative_quota_stratum", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_representative_quota_meeting_id_venue_id_category"),
            ["meeting_id", "venue_id", "category"],
        )
        batch.drop_column("age_band")
        batch.drop_column("sex")
