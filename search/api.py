"""GET /api/search: the desk's search box."""

from __future__ import annotations

from django.http import HttpRequest
from pydantic import BaseModel, ConfigDict, Field

from operator_desk.api import api_view
from operator_desk.inputs import query_input
from search.selectors import MAX_LENGTH, MIN_LENGTH, conversation_search


class SearchInput(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    # The `next` of the previous page: the id of its last message hit.
    cursor: int | None = Field(default=None, ge=1)
    limit: int = Field(default=20, ge=1, le=50)


@api_view(methods=("GET",))
def search(request: HttpRequest) -> dict:
    given = query_input(SearchInput, request.GET)
    return conversation_search(user=request.user, q=given.q, before=given.cursor, limit=given.limit)
