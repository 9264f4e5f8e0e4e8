"""live events carry the change itself, numbered per account in commit order

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-02 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sportello.db.types

revision: str = "0018"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # The old rows were hints without their change; pages that held their ids get a `resync`.
    op.drop_table("live_events")
    op.create_table(
        "live_events",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("chat_uuid", sa.String(length=32), nullable=False),
        sa.Column("operators", sa.String(length=400), nullable=False),
        sa.Column("lost_by", sa.String(length=400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_live_events_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "seq", name=op.f("pk_live_events")),
    )
    op.create_index("ix_live_events_created_at", "live_events", ["created_at"], unique=False)
    op.create_table(
        "live_cursors",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("last_seq", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_live_cursors_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_live_cursors")),
    )


def downgrade() -> None:
    op.drop_table("live_cursors")
    op.drop_index("ix_live_events_created_at", table_name="live_events")
    op.drop_table("live_events")
    op.create_table(
        "live_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("chat_uuid", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", sportello.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_live_events_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
    )
    op.create_index("ix_live_events_account_id_id", "live_events", ["account_id", "id"], unique=False)
