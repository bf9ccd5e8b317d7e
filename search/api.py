"""GET /api/search: the desk's search box."""

from __future__ import annotations

from django.http import HttpRequest

from operator_desk.inputs import query_parsed
from operators.access import api_view
from search.inputs import SearchQuery
from search.selectors import conversation_search


@api_view(methods=("GET",))
def search(request: HttpRequest) -> dict:
    query = query_parsed(request, SearchQuery)
    return conversation_search(user=request.user, q=query.q, before=query.cursor, limit=query.limit)
