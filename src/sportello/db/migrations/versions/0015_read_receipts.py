"""read receipts: the account setting and what each chat has marked read

Revision ID: 0015
Revises: 0017
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.db.types

revision: str = "0015"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On for every account, existing ones too: customers expect blue ticks once an agent reads them.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_read_receipts", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "read_receipts",
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("meta_id", sa.String(length=128), nullable=False),
        sa.Column("whatsapp_number_id", sa.Integer(), nullable=True),
        sa.Column("typing_requested_at", sportello.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", sportello.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_read_receipts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_read_receipts_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["whatsapp_number_id"],
            ["whatsapp_numbers.id"],
            name=op.f("fk_read_receipts_whatsapp_number_id_whatsapp_numbers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_read_receipts")),
    )
    with op.batch_alter_table("read_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_read_receipts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_read_receipts_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("read_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_receipts_due_at"))
        batch_op.drop_index(batch_op.f("ix_read_receipts_account_id"))
    op.drop_table("read_receipts")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("send_read_receipts")
