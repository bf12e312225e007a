"""sealed ballot pool and ballot keys

Ballots wait encrypted in a pool until their box is sealed; holders' wrapped keys and each
box's key pieces; paper entries keep keyed digests instead of ratings (an entry made before
this revision has an empty digest, so its second entry goes to supervision to key in).

Revision ID: a22ba4d5b4f6
Revises: 7ae36d7ab22f
Create Date: 2026-12-01 15:38:56.876234

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a22ba4d5b4f6"
down_revision = "7ae36d7ab22f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("opslimit", sa.Integer(), nullable=False),
        sa.Column("memlimit", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "holder IN ('supervision', 'statistics', 'recovery')",
            name=op.f("ck_key_holder_holder_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_key_holder_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_holder")),
        sa.UniqueConstraint("campaign_id", "holder", name=op.f("uq_key_holder_campaign_id_holder")),
    )
    op.create_table(
        "ballot_pool",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_box.id"],
            name=op.f("fk_ballot_pool_box_id_ballot_box"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_pool")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot_pool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_pool_box_id"), ["box_id"], unique=False)

    op.create_table(
        "box_key_piece",
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("pair", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=20), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"],
            ["ballot_box.id"],
            name=op.f("fk_box_key_piece_box_id_ballot_box"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("box_id", "pair", "holder", name=op.f("pk_box_key_piece")),
    )
    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.LargeBinary(length=32), nullable=True))

    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_digest", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("second_digest", sa.String(length=64), nullable=True))
        batch_op.drop_column("first_ratings")
        batch_op.drop_column("second_ratings")


def downgrade():
    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_ratings", sa.TEXT(), nullable=True))
        batch_op.add_column(
            sa.Column("first_ratings", sa.TEXT(), nullable=False, server_default="{}")
        )
        batch_op.drop_column("second_digest")
        batch_op.drop_column("first_digest")

    with op.batch_alter_table("ballot_box", schema=None) as batch_op:
        batch_op.drop_column("public_key")

    op.drop_table("box_key_piece")
    with op.batch_alter_table("ballot_pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_pool_box_id"))

    op.drop_table("ballot_pool")
    op.drop_table("key_holder")
