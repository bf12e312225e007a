"""box minutes and paper ballot count

Each box's zero report and closing minutes (manifest, tally hash, audit head, who
confirmed, the signed paper's scan), and the number of paper ballots it took.

Revision ID: 87c4e637daf8
Revises: b7c1d2e3f4a5
Create Date: 2026-12-01 15:56:41.235064

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "87c4e637daf8"
down_revision = "b7c1d2e3f4a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "box_minutes",
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("tally_hash", sa.String(length=64), nullable=True),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("staff_confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("staff_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("supervision_confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("supervision_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("scan_sha256", sa.String(length=64), nullable=True),
        sa.Column("scan_type", sa.String(length=50), nullable=True),
        sa.CheckConstraint("kind IN ('zero', 'closing')", name=op.f("ck_box_minutes_kind_valid")),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_box.id"],
            name=op.f("fk_box_minutes_box_id_ballot_box"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("box_id", "kind", name=op.f("pk_box_minutes")),
    )
    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paper_ballots", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.drop_column("paper_ballots")

    op.drop_table("box_minutes")
