"""a card's receipt for a repeat post

The receipt code, sealed under a key only the phone that voted can rebuild (the card's token
and the page's one-time value), so a double tap of 提交 shows the same receipt again instead of
"this card has already voted". Cleared when the box closes.

Revision ID: c5d8e2f1a7b3
Revises: 70693163c141
Create Date: 2026-12-05 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5d8e2f1a7b3"
down_revision = "70693163c141"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("voting_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_receipt", sa.LargeBinary(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table("voting_token", schema=None) as batch_op:
        batch_op.drop_column("repeat_receipt")
