"""the salt of a box's tally hash; a run's venue review

The closing minutes commit to the box's records (each department's column sorted) with a
random salt that stays secret until the results are released, so the hash of a small box
cannot be searched for its ballots. A result run keeps its venue checks (from whole ballots,
for supervision) apart from the public figures. Each group is ranked as its own panel, so
the setting that merged the internal departments into one ranking goes.

Revision ID: f4a7c2d9e815
Revises: e3b6f0a8c1d4
Create Date: 2026-12-05 19:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f4a7c2d9e815"
down_revision = "e3b6f0a8c1d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("box_minutes") as batch:
        batch.add_column(sa.Column("tally_salt", sa.String(length=32), nullable=True))
    with op.batch_alter_table("result_run") as batch:
        batch.add_column(sa.Column("review", sa.Text(), nullable=True))
    # Every group is its own panel now: internal departments are never ranked with others.
    with op.batch_alter_table("scoring_scheme") as batch:
        batch.drop_column("merge_internal")


def downgrade():
    with op.batch_alter_table("scoring_scheme") as batch:
        batch.add_column(
            sa.Column("merge_internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("result_run") as batch:
        batch.drop_column("review")
    with op.batch_alter_table("box_minutes") as batch:
        batch.drop_column("tally_salt")
