"""The full-text index of message texts, one per database (search/backends.py reads it).

PostgreSQL: the `russian` text search configuration's tsvector of the text, in a generated
column the database keeps (`search_vector`; the Message model does not name it, and the ORM
never selects it), with a GIN index. That configuration stems Cyrillic words with the Russian
Snowball stemmer and Latin words with the English one (its `asciiword` tokens go to
`english_stem`), so one vector serves both languages. A stored column rather than an expression
index: newest-first pages of a common word walk the newest messages testing each one's vector,
which costs a comparison with the column and a whole to_tsvector() run with the expression.
Adding the column rewrites the messages' table once (a minute or so at a million messages, with
writes waiting); the index is then built CONCURRENTLY.
The trigram index on contacts' `search` haystack (name, phone, identifiers) is contacts' own.

SQLite: an FTS5 table with external content (the messages' own table: no second copy of the
texts), kept in step by triggers on insert, a change of the text (not every save: a delivery
status saves the row too), and delete.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE conversations_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, text)) STORED",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS message_text_search ON conversations_message "
    "USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS message_text_search",
    "ALTER TABLE conversations_message DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_message_fts USING fts5("
    "text, content='conversations_message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_message_fts_insert AFTER INSERT ON conversations_message "
    "BEGIN INSERT INTO search_message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_message_fts_delete AFTER DELETE ON conversations_message "
    "BEGIN INSERT INTO search_message_fts(search_message_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_message_fts_update "
    "AFTER UPDATE OF text ON conversations_message WHEN old.text IS NOT new.text BEGIN "
    "INSERT INTO search_message_fts(search_message_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_message_fts(rowid, text) VALUES (new.id, new.text); END",
    # The messages kept before this migration.
    "INSERT INTO search_message_fts(search_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_message_fts_insert",
    "DROP TRIGGER IF EXISTS search_message_fts_delete",
    "DROP TRIGGER IF EXISTS search_message_fts_update",
    "DROP TABLE IF EXISTS search_message_fts",
]


def _run(postgres, sqlite):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("contacts", "0002_variables_and_search"),
        ("conversations", "0008_report_wide_ended_and_failed_reply_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run(POSTGRES_FORWARD, SQLITE_FORWARD), _run(POSTGRES_BACKWARD, SQLITE_BACKWARD)
        ),
    ]
