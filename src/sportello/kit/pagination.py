"""Spoki's list shape: `{"count", "next", "previous", "results"}` with `?page=` and `?page_size=`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel
from pydantic import Field as PydanticField

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


PageNumber = Annotated[int, PydanticField(ge=1, le=1_000_000)]
PageSize = Annotated[int, PydanticField(ge=1, le=MAX_PAGE_SIZE)]


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


def page_links(url: str, request: PageRequest, count: int) -> tuple[str | None, str | None]:
    """The `next` and `previous` URLs for `url`, keeping every other query parameter."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]

    def with_page(number: int) -> str:
        return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(number))])))

    last_page = max(1, -(-count // request.page_size))
    next_url = with_page(request.page + 1) if request.page < last_page else None
    previous_url = with_page(request.page - 1) if request.page > 1 else None
    return next_url, previous_url
