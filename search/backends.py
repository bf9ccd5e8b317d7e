"""The full-text search of message texts, one implementation per database.

Both answer the same thing: the newest messages (by id, keyset-paged) whose text matches the
query, among the conversations a subquery allows, with a snippet whose hits are marked with
search.snippets' START/STOP. One query each, whatever the number of hits. The indexes are
search/migrations/0001_message_text_index.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from search.snippets import START, STOP

# Snippet length, in words (PostgreSQL) and tokens (SQLite).
SNIPPET_WORDS = 16
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TextHit:
    message_id: int
    marked: str


Scope = tuple[str, tuple] | None  # (SQL of the visible conversations' ids, its parameters)


def message_text_hits(*, q: str, scope: Scope, before: int | None, limit: int) -> list[TextHit]:
    if connection.vendor == "postgresql":
        return _postgres(q, scope, before, limit)
    return _sqlite(q, scope, before, limit)


def _filters(alias: str, scope: Scope, before: int | None) -> tuple[str, list]:
    sql, params = "", []
    if before is not None:
        sql += f" AND {alias} < %s"
        params.append(before)
    if scope is not None:
        sql += f" AND m.conversation_id IN ({scope[0]})"
        params.extend(scope[1])
    return sql, params


# The `russian` configuration stems Russian words and, with the English stemmer, Latin ones;
# websearch_to_tsquery reads what people type ("a phrase", or, -word) and never fails on it.
# `search_vector` is the text's tsvector, kept by the database (the migration).
#
# Newest first, one of two ways, chosen in the query itself by what the column's statistics
# (pg_stats, kept by ANALYZE) say of the words typed. When every word is common, the newest
# messages are walked backwards along the primary key, testing each vector, until the page is
# full: a few thousand rows at most. Otherwise the GIN index gives the (short) list of matches,
# which is sorted (`id + 0` keeps PostgreSQL from walking the key instead: for a word it
# believes common enough but that is rare or absent, that walk reads the whole table). Only
# the branch whose one-time condition holds runs.
#
# ts_headline runs on the page's rows only (the outer query), never on every match. Its parser
# reads "<b>" as a tag and "&amp;" as an entity and leaves them out of the headline: "<" and "&"
# go in as control characters (the markers and these two are first taken out of the text) and
# come back after it, so that the snippet shows the text as it was written.
COMMON_SHARE = 0.003
POSTGRES = """
WITH query AS (SELECT websearch_to_tsquery('russian'::regconfig, %(q)s) AS q),
stats AS (
    SELECT most_common_elems::text::text[] AS words, most_common_elem_freqs AS shares
    FROM pg_stats WHERE schemaname = current_schema()
        AND tablename = 'conversations_message' AND attname = 'search_vector'
),
common AS (
    SELECT coalesce(bool_and(coalesce(stats.shares[array_position(stats.words, word)], 0)
        >= %(common)s), false) AS yes
    FROM unnest(tsvector_to_array(to_tsvector('russian'::regconfig, %(q)s))) word
    LEFT JOIN stats ON true
)
SELECT hit.id, ts_headline('russian'::regconfig,
    translate(hit.text, '<&' || chr(1) || chr(2) || chr(3) || chr(4), chr(3) || chr(4)),
    (SELECT q FROM query), %(headline)s)
FROM (
    (SELECT m.id, m.text FROM conversations_message m
    WHERE (SELECT yes FROM common) AND m.search_vector @@ (SELECT q FROM query){filters}
    ORDER BY m.id DESC LIMIT %(limit)s)
    UNION ALL
    (SELECT m.id, m.text FROM conversations_message m
    WHERE NOT (SELECT yes FROM common) AND m.search_vector @@ (SELECT q FROM query){filters}
    ORDER BY m.id + 0 DESC LIMIT %(limit)s)
) hit
ORDER BY hit.id DESC
"""
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2},"
    ' ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)


def _postgres(q: str, scope: Scope, before: int | None, limit: int) -> list[TextHit]:
    filters, params = "", {}
    if before is not None:
        filters += " AND m.id < %(before)s"
        params["before"] = before
    if scope is not None:
        # The scope's own placeholders are positional: named ones, for this query's style.
        names = [f"scope{n}" for n in range(len(scope[1]))]
        filters += (
            " AND m.conversation_id IN (" + scope[0] % tuple(f"%({name})s" for name in names) + ")"
        )
        params.update(zip(names, scope[1], strict=True))
    sql = POSTGRES.format(filters=filters)
    values = {"q": q, "common": COMMON_SHARE, "headline": HEADLINE_OPTIONS, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(sql, {**values, **params})
        rows = cursor.fetchall()
    return [TextHit(message_id=pk, marked=marked.translate(UNHIDE)) for pk, marked in rows]


UNHIDE = str.maketrans({"\x03": "<", "\x04": "&"})


# FTS5 knows no Russian morphology: every word the user typed is matched as a prefix, so
# "заказ" finds "заказа" and "заказы" (not the other way round; PostgreSQL stems both ways).
SQLITE = """
SELECT fts.rowid, snippet(search_message_fts, 0, char(1), char(2), '…', %s)
FROM search_message_fts fts JOIN conversations_message m ON m.id = fts.rowid
WHERE search_message_fts MATCH %s{filters}
ORDER BY fts.rowid DESC LIMIT %s
"""


def fts5_query(q: str) -> str:
    """Every word of `q` as a quoted prefix term, all required: nothing the user types can be
    read as FTS5 syntax."""
    return " ".join(f'"{word}"*' for word in WORD.findall(q))


def _sqlite(q: str, scope: Scope, before: int | None, limit: int) -> list[TextHit]:
    match = fts5_query(q)
    if not match:
        return []
    filters, params = _filters("fts.rowid", scope, before)
    sql = SQLITE.format(filters=filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [SNIPPET_WORDS, match, *params, limit])
        return [TextHit(message_id=row[0], marked=row[1]) for row in cursor.fetchall()]
