"""contacts known by their business-scoped user id and username, the phone optional

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A username user may write with no phone (Meta's `wa_id` absent): the phone becomes
    # optional, and the BSUID (`user_id`) is the other key of a contact.
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=20), nullable=True)
        batch_op.add_column(sa.Column("whatsapp_user_id", sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column("parent_user_id", sa.String(length=140), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("username", sa.String(length=100), nullable=False, server_default=""))
        batch_op.create_unique_constraint("uq_contacts_account_whatsapp_user_id", ["account_id", "whatsapp_user_id"])
        batch_op.create_index("ix_contacts_account_username", ["account_id", "username"], unique=False)


def downgrade() -> None:
    # A contact known only by its BSUID cannot stay without a phone: it goes, with its chat.
    op.execute("DELETE FROM contacts WHERE phone IS NULL")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_account_username")
        batch_op.drop_constraint("uq_contacts_account_whatsapp_user_id", type_="unique")
        batch_op.drop_column("username")
        batch_op.drop_column("parent_user_id")
        batch_op.drop_column("whatsapp_user_id")
        batch_op.alter_column("phone", existing_type=sa.String(length=20), nullable=False)
