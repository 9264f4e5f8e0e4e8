"""frame sessions bound to their page; token ceilings

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.add_column(sa.Column("max_can_view_chat_list", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("max_can_reply_in_chat", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("max_can_send_paypal_in_chat", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("chat_uuid", sa.String(length=32), nullable=True))
    # Sessions opened before this revision were bound to no page: they count as the chat list's,
    # which reaches no chat when its list is off and changes no template.
    with op.batch_alter_table("frame_sessions") as batch:
        batch.add_column(sa.Column("page", sa.String(length=16), server_default="chats", nullable=False))
        batch.add_column(sa.Column("chat_uuid", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frame_sessions") as batch:
        batch.drop_column("chat_uuid")
        batch.drop_column("page")
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_column("chat_uuid")
        batch.drop_column("max_can_send_paypal_in_chat")
        batch.drop_column("max_can_reply_in_chat")
        batch.drop_column("max_can_view_chat_list")
