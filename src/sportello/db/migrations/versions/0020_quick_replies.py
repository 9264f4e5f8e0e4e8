"""quick replies: an account's saved answers, one title each

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-02 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.db.types

revision: str = "0020"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_quick_replies_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_replies")),
        sa.UniqueConstraint("account_id", "title", name="uq_quick_replies_account_title"),
    )
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quick_replies_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quick_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quick_replies_account_id"))
    op.drop_table("quick_replies")
