"""payment requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:40:25.766690
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paypal_settings",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_paypal_settings_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_paypal_settings")),
    )
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("sender_user_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=127), nullable=False),
        sa.Column("receiver_email", sa.String(length=254), nullable=False),
        sa.Column("opened_count", sa.Integer(), nullable=False),
        sa.Column("first_opened_at", sportello.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_opened_at", sportello.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_payment_requests_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_payment_requests_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_payment_requests_message_id_messages"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sender_user_id"], ["users.id"], name=op.f("fk_payment_requests_sender_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_payment_requests_public_id")),
    )
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_requests_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_requests_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_requests_chat_id"))
        batch_op.drop_index(batch_op.f("ix_payment_requests_account_id"))

    op.drop_table("payment_requests")
    op.drop_table("paypal_settings")
