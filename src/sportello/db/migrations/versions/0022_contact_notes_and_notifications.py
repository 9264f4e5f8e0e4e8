"""a free-text note on each contact, and each user's choice of desktop notifications

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
    # Off for everyone, existing users too: a browser asks before it shows notifications, so the user chooses.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("notify_new_messages", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notify_new_messages")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("note")
