"""What the search endpoint (search/api.py) takes, typed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from operator_desk.inputs import Input
from search.selectors import MAX_LENGTH, MIN_LENGTH


class SearchQuery(Input):
    q: Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
    # The `next` of the previous page: the id of its last message hit.
    cursor: Annotated[int, Field(ge=1)] | None = None
    limit: Annotated[int, Field(ge=1, le=50)] = 20
