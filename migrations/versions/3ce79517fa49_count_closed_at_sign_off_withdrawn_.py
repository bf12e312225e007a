"""count closed at sign-off, withdrawn boxes, card approvals

The campaign's spare card share and the moment its count was signed; a box can be
withdrawn (撤销) with a reason; supervision's approvals of cards beyond a box's limit.

Revision ID: 3ce79517fa49
Revises: a22ba4d5b4f6
Create Date: 2026-12-01 15:48:13.125451

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3ce79517fa49"
down_revision = "a22ba4d5b4f6"
branch_labels = None
depends_on = None

BEFORE = "'not_open', 'open', 'closed', 'sealed'"
WITH_WITHDRAWN = BEFORE + ", 'withdrawn'"


def upgrade():
    op.create_table(
        "card_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_card_approval_count_positive")),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_box.id"],
            name=op.f("fk_card_approval_box_id_ballot_box"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_approval")),
    )
    with op.batch_alter_table("card_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_approval_box_id"), ["box_id"], unique=False)

    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawal_requested_by", sa.String(length=64), nullable=True)
        )
        batch_op.drop_constraint(op.f("ck_ballot_box_state_valid"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_ballot_box_state_valid"), f"state IN ({WITH_WITHDRAWN})"
        )

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("spare_card_percent", sa.Integer(), server_default="10", nullable=False)
        )
        batch_op.add_column(sa.Column("tally_signed_at", sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_campaign_spare_card_percent_in_range"), "spare_card_percent BETWEEN 0 AND 100"
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaign_spare_card_percent_in_range"), type_="check")
        batch_op.drop_column("tally_signed_at")
        batch_op.drop_column("spare_card_percent")

    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ballot_box_state_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ballot_box_state_valid"), f"state IN ({BEFORE})")
        batch_op.drop_column("withdrawal_requested_by")
        batch_op.drop_column("withdrawal_reason")

    with op.batch_alter_table("card_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_approval_box_id"))

    op.drop_table("card_approval")
