"""a rejected template keeps Meta's reason code and recommendation, for a sentence in the agent's language

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("templates") as batch:
        batch.add_column(sa.Column("rejection_code", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("rejection_recommendation", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("templates") as batch:
        batch.drop_column("rejection_recommendation")
        batch.drop_column("rejection_code")
