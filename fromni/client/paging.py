"""Every row of a paged list method, page by page (`FromniClient.iterate`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from ..errors import FromniValueError
from ..models import Page

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class Paging:
    def iterate(
        self, list_method: Callable[..., Page[M]], /, *, page_size: int = 100, **kwargs: Any
    ) -> Iterator[M]:
        """Every row of a paged list method, fetched with an explicit `offset` and `limit`.

        E.g. `client.iterate(client.contacts_list, filter=f, order=[["createdAt", "ASC"]])`.
        The loop never relies on how the platform reads a missing `limit` (the reference says
        both "Default: 10" and "all records"), nor on a page holding `page_size` rows: a
        platform may cap pages below what was asked, so a short page is not the end. It ends
        at an empty page, when `total` (where the API gives it) is reached, or at a page with
        nothing new. Rows seen on an earlier page are skipped: offsets shift when rows are
        added while a backfill runs, and a platform that ignored `offset` would otherwise
        loop forever.
        """
        if page_size < 1:
            raise FromniValueError("page_size must be at least 1")
        offset = int(kwargs.pop("offset", 0) or 0)
        kwargs.pop("limit", None)
        seen: set[Any] = set()
        while True:
            page = list_method(offset=offset, limit=page_size, **kwargs)
            if not page.data:
                return
            new = 0
            for row in page.data:
                key = getattr(row, "id", None)
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                new += 1
                yield row
            offset += len(page.data)
            if new == 0:
                if page.total is not None and offset < page.total:
                    logger.warning(
                        "Fromni %s repeated rows at offset %d of %d; stopping there",
                        getattr(list_method, "__name__", "list"),
                        offset,
                        page.total,
                    )
                return
            if page.total is not None and offset >= page.total:
                return
