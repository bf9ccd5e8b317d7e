"""Who sees an event: the one rule, applied to what the emitting service stored with it.

The service that makes an event decides its audience (realtime.services.event_emit's
arguments, stored on the Event row); this module only applies it, in two forms that must agree
(tests/test_event_audience.py checks them against each other on a matrix of events and users):
`event_visible` in Python, per live push, with no query; `events_visible_q` in SQL, for the
replay on reconnect.

- supervisors and admins see everything;
- an event with an audience is for that operator only;
- any other event is for every operator, unless it is about a conversation of a connection
  whose access rules hide it from this operator; then only if it involves them (the
  conversation is assigned to them, or was taken from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q


@dataclass(frozen=True, slots=True)
class Viewer:
    """An operator as the rule needs them, loaded when their socket connects (and again on
    each desk.access_changed)."""

    user_id: int
    sees_everything: bool
    hidden_connection_ids: frozenset[int] = field(default_factory=frozenset)


def event_visible(
    viewer: Viewer,
    *,
    audience: int | None,
    connection_id: int | None,
    assignee_id: int | None,
    previous_assignee_id: int | None,
) -> bool:
    if viewer.sees_everything:
        return True
    if audience is not None:
        return audience == viewer.user_id
    if connection_id is None or connection_id not in viewer.hidden_connection_ids:
        return True
    return viewer.user_id in (assignee_id, previous_assignee_id)


def events_visible_q(viewer: Viewer) -> Q:
    """The same rule as a filter on realtime.models.Event."""
    if viewer.sees_everything:
        return Q()
    for_all = Q(audience_user_id__isnull=True)
    if viewer.hidden_connection_ids:
        for_all &= (
            Q(connection_id__isnull=True)
            | ~Q(connection_id__in=sorted(viewer.hidden_connection_ids))
            | Q(assignee_id=viewer.user_id)
            | Q(previous_assignee_id=viewer.user_id)
        )
    return for_all | Q(audience_user_id=viewer.user_id)
