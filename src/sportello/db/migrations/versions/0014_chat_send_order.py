"""an index for the head of each chat's outbound queue

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_chat_status_id", "messages", ["chat_id", "send_status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_messages_chat_status_id", table_name="messages")
