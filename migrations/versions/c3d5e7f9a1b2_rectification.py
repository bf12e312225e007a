"""rectification: tasks, milestones, progress reports, supervision checks

A rectification task (整改) per problem a department must put right, its dated and weighted
milestones, its progress reports and supervision's checks; the campaign's monthly day by
which progress is reported (每月3日前).

Revision ID: c3d5e7f9a1b2
Revises: b7e2c4f9a013
Create Date: 2026-12-05 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d5e7f9a1b2"
down_revision = "b7e2c4f9a013"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade():
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(
            sa.Column("progress_report_day", sa.Integer(), nullable=False, server_default="3")
        )
        batch.create_check_constraint(
            "progress_report_day_range", "progress_report_day BETWEEN 1 AND 28"
        )
    op.create_table(
        "rectification_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("co_units", sa.String(300), nullable=False),
        sa.Column("official", sa.String(50), nullable=False),
        sa.Column("leader", sa.String(50), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("source_note", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("plan_comment", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "source IN ('result', 'comment', 'suggestion', 'supervision', 'manual')",
            name=op.f("ck_rectification_task_source_valid"),
        ),
        sa.CheckConstraint(
            "state IN ('plan_pending', 'plan_submitted', 'in_progress', 'reported', 'closed')",
            name=op.f("ck_rectification_task_state_valid"),
        ),
        _fk("rectification_task", "campaign_id", "campaign", "CASCADE"),
        _fk("rectification_task", "department_id", "department", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_task")),
    )
    op.create_index(
        op.f("ix_rectification_task_campaign_id"), "rectification_task", ["campaign_id"]
    )
    op.create_index(
        op.f("ix_rectification_task_department_id"), "rectification_task", ["department_id"]
    )
    op.create_table(
        "rectification_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "weight BETWEEN 1 AND 100", name=op.f("ck_rectification_milestone_weight_range")
        ),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_rectification_milestone_progress_range")
        ),
        _fk("rectification_milestone", "task_id", "rectification_task", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_milestone")),
        sa.UniqueConstraint(
            "task_id", "position", name=op.f("uq_rectification_milestone_task_id_position")
        ),
    )
    op.create_index(
        op.f("ix_rectification_milestone_task_id"), "rectification_milestone", ["task_id"]
    )
    op.create_table(
        "rectification_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(64), nullable=False),
        _fk("rectification_report", "task_id", "rectification_task", "CASCADE"),
        _fk("rectification_report", "milestone_id", "rectification_milestone", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_report")),
    )
    op.create_index(op.f("ix_rectification_report_task_id"), "rectification_report", ["task_id"])
    op.create_table(
        "rectification_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("checked_by", sa.String(64), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('spot', 'recheck', 'open_visit', 'unannounced', 'look_back')",
            name=op.f("ck_rectification_check_kind_valid"),
        ),
        _fk("rectification_check", "task_id", "rectification_task", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_check")),
    )
    op.create_index(op.f("ix_rectification_check_task_id"), "rectification_check", ["task_id"])


def downgrade():
    op.drop_table("rectification_check")
    op.drop_table("rectification_report")
    op.drop_table("rectification_milestone")
    op.drop_table("rectification_task")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_constraint(op.f("ck_campaign_progress_report_day_range"), type_="check")
        batch.drop_column("progress_report_day")
