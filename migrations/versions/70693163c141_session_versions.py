"""session versions

Each account's session version: logout, a new password or a deactivation bumps it, and
every session signed with an older one (a copied cookie too) opens nothing.

Revision ID: 70693163c141
Revises: 87c4e637daf8
Create Date: 2026-12-01 16:36:51.241081

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "70693163c141"
down_revision = "87c4e637daf8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
