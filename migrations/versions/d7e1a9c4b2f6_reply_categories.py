"""reply categories and the citizen's reason for 不满意

A reply says what the unit does with the suggestion (已采纳 / 列入计划 / 留作参考 / 不予采纳,
the last with its reason); a citizen who rates a reply 不满意 says why.

Revision ID: d7e1a9c4b2f6
Revises: c5d8e2f1a7b3
Create Date: 2026-12-05 14:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e1a9c4b2f6"
down_revision = "c5d8e2f1a7b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("suggestion_reply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("feedback_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_suggestion_reply_category_valid"),
            "category IN ('adopted', 'planned', 'reference', 'declined')",
        )
        batch_op.create_check_constraint(
            op.f("ck_suggestion_reply_declined_has_reason"),
            "category IS NULL OR category != 'declined' OR decline_reason IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("suggestion_reply", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_suggestion_reply_declined_has_reason"), type_="check")
        batch_op.drop_constraint(op.f("ck_suggestion_reply_category_valid"), type_="check")
        batch_op.drop_column("feedback_reason")
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("category")
