"""rectification: supervision notices (督查通报), formal talks (约谈), progress evidence

Revision ID: d4e6f8a0b2c3
Revises: c3d5e7f9a1b2
Create Date: 2026-12-05 23:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e6f8a0b2c3"
down_revision = "c3d5e7f9a1b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rectification_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("praised", sa.String(500), nullable=False),
        sa.Column("criticised", sa.String(500), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("composed_by", sa.String(64), nullable=False),
        sa.Column("composed_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_rectification_notice_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_notice")),
    )
    op.create_index(
        op.f("ix_rectification_notice_campaign_id"), "rectification_notice", ["campaign_id"]
    )
    op.create_table(
        "rectification_talk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_rectification_talk_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_rectification_talk_department_id_department"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_talk")),
    )
    op.create_index(
        op.f("ix_rectification_talk_campaign_id"), "rectification_talk", ["campaign_id"]
    )

    op.create_table(
        "rectification_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["rectification_report.id"],
            name=op.f("fk_rectification_evidence_report_id_rectification_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_evidence")),
    )
    op.create_index(
        op.f("ix_rectification_evidence_report_id"), "rectification_evidence", ["report_id"]
    )


def downgrade():
    op.drop_table("rectification_evidence")
    op.drop_table("rectification_talk")
    op.drop_table("rectification_notice")
