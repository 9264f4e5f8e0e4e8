"""Substring search through an index, on either database: SQLite's FTS5 trigram tables (kept in
sync by triggers, migration 0019) or PostgreSQL's `pg_trgm` GIN indexes. The repositories build
their search conditions from these pieces, so one code path picks the dialect's query.

Both indexes work on trigrams, so a term needs at least three characters to use them; a shorter
one is matched by a plain `LIKE` (still bounded by the account)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, column, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

MIN_INDEXED = 3  # a trigram index finds nothing shorter
MAX_WORDS = 8  # of a message search
# Punctuation people write in numbers: "+39 333-12.34 (5)" searches the digits "39333123 45".
_NUMBER_PUNCTUATION = set("+-(). /")


@dataclass(frozen=True)
class SearchTerm:
    """What was typed, and the digits of it when it reads as a number."""

    text: str
    digits: str

    @classmethod
    def of(cls, typed: str) -> SearchTerm:
        text = " ".join(typed.split())
        looks_like_number = any(ch.isdigit() for ch in text) and all(
            ch.isdigit() or ch in _NUMBER_PUNCTUATION for ch in text
        )
        digits = "".join(ch for ch in text if ch.isdigit()) if looks_like_number else ""
        return cls(text=text, digits=digits)

    @property
    def indexed(self) -> bool:
        return len(self.text) >= MIN_INDEXED or len(self.digits) >= MIN_INDEXED


def words_of(typed: str) -> list[str]:
    """The words of what was typed, lowercased: each is searched as a word prefix."""
    return re.findall(r"\w+", typed.lower())[:MAX_WORDS]


def fts5_prefixes(words: list[str]) -> str:
    """FTS5: every word starting with each of these (`"ord"* "ross"*`)."""
    return " ".join(fts5_phrase(word) + "*" for word in words)


def tsquery_prefixes(words: list[str]) -> str:
    """PostgreSQL's to_tsquery: every word starting with each of these (`ord:* & ross:*`); the
    words are \\w+ runs, so nothing in them is tsquery syntax."""
    return " & ".join(f"{word}:*" for word in words)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def fts5_phrase(term: str) -> str:
    """A quoted FTS5 phrase: with the trigram tokenizer, a substring match of `term`."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """`%term%`, with LIKE's own characters escaped (use `escape="\\\\"`)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts5_rowids(fts_table: str, query: str) -> Select[int]:
    """The rowids an FTS5 table matches for `query` (FTS5 syntax)."""
    fts = table(fts_table, column("rowid"))
    return select(fts.c.rowid).where(literal_column(fts_table).op("MATCH")(query))


def concatenated(*columns: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """`a || ' ' || b …` with the space as SQL text, not a parameter: PostgreSQL uses an index on an
    expression only when the query's expression is the same, and a bound ' ' would not be."""
    expression: ColumnElement[str] = columns[0]  # type: ignore[assignment]
    for part in columns[1:]:
        expression = expression.op("||")(literal_column("' '")).op("||")(part)
    return expression
