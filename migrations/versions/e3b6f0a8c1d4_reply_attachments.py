"""attachments of a suggestion's reply

A unit may send documents with its reply (a plan, a notice, a photo of the work done); they
are public with the approved reply. The files live outside the database by their digest.

Revision ID: e3b6f0a8c1d4
Revises: d7e1a9c4b2f6
Create Date: 2026-12-05 16:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3b6f0a8c1d4"
down_revision = "d7e1a9c4b2f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "suggestion_reply_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["suggestion_reply.id"],
            name=op.f("fk_suggestion_reply_attachment_reply_id_suggestion_reply"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_reply_attachment")),
    )
    with op.batch_alter_table("suggestion_reply_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suggestion_reply_attachment_reply_id"), ["reply_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("suggestion_reply_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_reply_attachment_reply_id"))
    op.drop_table("suggestion_reply_attachment")
