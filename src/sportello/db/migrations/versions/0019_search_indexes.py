"""contacts and messages searched through an index (SQLite FTS5 trigram tables kept by triggers,
PostgreSQL pg_trgm GIN indexes); the lists' filters and orders indexed, account first

Revision ID: 0019
Revises: 0022
Create Date: 2026-12-02 19:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The B-tree indexes, also in the models' __table_args__.
_INDEXES = (
    ("ix_contacts_account_id_id", "contacts", ["account_id", "id"]),
    ("ix_chats_account_updated", "chats", ["account_id", "updated_at", "id"]),
    ("ix_chats_account_unread", "chats", ["account_id", "unread_count"]),
    ("ix_templates_account_id_id", "templates", ["account_id", "id"]),
)

# SQLite: contentless FTS5 tables with the trigram tokenizer (substring match, case-blind); the
# rowid is the contact's or message's id. Triggers keep them in step with every insert, update
# and delete; a 'delete' must name the values that were indexed, hence the same expressions.
_SQLITE_UP = [
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(name, phone, email, username, content='', tokenize='trigram')",
    "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contacts_fts(rowid, name, phone, email, username) VALUES (new.id, "
    "new.first_name || ' ' || new.last_name || ' ' || new.profile_name, replace(coalesce(new.phone, ''), '+', ''), new.email, new.username); "
    "END",
    "CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, name, phone, email, username) "
    "VALUES ('delete', old.id, "
    "old.first_name || ' ' || old.last_name || ' ' || old.profile_name, replace(coalesce(old.phone, ''), '+', ''), old.email, old.username); "
    "END",
    "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF first_name, last_name, profile_name, phone, email, username "
    "ON contacts BEGIN "
    "INSERT INTO contacts_fts(contacts_fts, rowid, name, phone, email, username) "
    "VALUES ('delete', old.id, "
    "old.first_name || ' ' || old.last_name || ' ' || old.profile_name, replace(coalesce(old.phone, ''), '+', ''), old.email, old.username); "
    "INSERT INTO contacts_fts(rowid, name, phone, email, username) VALUES (new.id, "
    "new.first_name || ' ' || new.last_name || ' ' || new.profile_name, replace(coalesce(new.phone, ''), '+', ''), new.email, new.username); "
    "END",
    "INSERT INTO contacts_fts(rowid, name, phone, email, username) "
    "SELECT id, "
    "contacts.first_name || ' ' || contacts.last_name || ' ' || contacts.profile_name, replace(coalesce(contacts.phone, ''), '+', ''), contacts.email, contacts.username FROM contacts",
    # Messages by word (and word prefix), case- and accent-blind: a trigram index of every text
    # would be ten times the size and twenty times slower to write, for mid-word matches no one types.
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.text <> '' BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text <> '' BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE old.text <> ''; "
    "INSERT INTO messages_fts(rowid, text) SELECT new.id, new.text WHERE new.text <> ''; END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE text <> ''",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
    "DROP TRIGGER IF EXISTS contacts_fts_update",
    "DROP TRIGGER IF EXISTS contacts_fts_delete",
    "DROP TRIGGER IF EXISTS contacts_fts_insert",
    "DROP TABLE IF EXISTS contacts_fts",
]

# PostgreSQL: trigram GIN indexes on the very expressions the repositories search (ILIKE '%…%');
# messages by word prefix, as on SQLite, through a text-search index ('simple': no stemming).
_POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_contacts_search_trgm ON contacts USING gin "
    "((first_name || ' ' || last_name || ' ' || profile_name || ' ' || username || ' ' || email) gin_trgm_ops)",
    "CREATE INDEX ix_contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops)",
    "CREATE INDEX ix_messages_text_words ON messages USING gin (to_tsvector('simple', text))",
]
_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_messages_text_words",
    "DROP INDEX IF EXISTS ix_contacts_phone_trgm",
    "DROP INDEX IF EXISTS ix_contacts_search_trgm",
]


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)
    for statement in _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _POSTGRES_DOWN:
        op.execute(statement)
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
