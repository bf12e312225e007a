"""outstanding organising units (优秀组织单位): district governments can be nominated

Revision ID: a1c3e5f7b9d2
Revises: f22f056c4aea
Create Date: 2026-12-06 01:35:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a1c3e5f7b9d2"
down_revision = "f22f056c4aea"
branch_labels = None
depends_on = None

ONE_KIND = (
    "(CASE WHEN suggestion_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN district IS NULL THEN 0 ELSE 1 END) = 1"
)
ONE_OF_TWO = "(suggestion_id IS NULL) != (unit_id IS NULL)"


def upgrade():
    with op.batch_alter_table("selection") as batch:
        batch.drop_constraint(op.f("ck_selection_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", "kind IN ('suggestion', 'unit', 'organiser')")
    with op.batch_alter_table("nominee") as batch:
        batch.add_column(sa.Column("district", sa.String(50), nullable=True))
        batch.drop_constraint(op.f("ck_nominee_one_kind_of_nominee"), type_="check")
        batch.create_check_constraint("one_kind_of_nominee", ONE_KIND)
        batch.create_unique_constraint(
            op.f("uq_nominee_selection_id_district"), ["selection_id", "district"]
        )


def downgrade():
    # District governments were not nominees before: their nominations (and scores) go.
    op.execute("DELETE FROM nominee WHERE district IS NOT NULL")
    op.execute("DELETE FROM selection WHERE kind = 'organiser'")
    with op.batch_alter_table("nominee") as batch:
        batch.drop_constraint(op.f("uq_nominee_selection_id_district"), type_="unique")
        batch.drop_constraint(op.f("ck_nominee_one_kind_of_nominee"), type_="check")
        batch.create_check_constraint("one_kind_of_nominee", ONE_OF_TWO)
        batch.drop_column("district")
    with op.batch_alter_table("selection") as batch:
        batch.drop_constraint(op.f("ck_selection_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", "kind IN ('suggestion', 'unit')")
