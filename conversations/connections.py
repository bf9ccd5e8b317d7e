"""Platform connections as the desk keeps them, and the admin's policy for each: whether the
desk serves it, and which operators see its queue (ConnectionPolicy)."""

from __future__ import annotations

from conversations.models import Connection, ConnectionPolicy
from fromni import models as platform
from operator_desk.columns import fitted


def connection_upsert(*, data: platform.Connection) -> Connection:
    connection, _ = Connection.objects.get_or_create(platform_id=int(data.id))
    fields = {
        "channel": fitted(Connection, "channel", data.channel or connection.channel),
        "name": fitted(
            Connection, "name", data.name or connection.name or f"{data.channel} #{data.id}"
        ),
        "raw": data.model_dump(mode="json", exclude_none=True),
    }
    if any(getattr(connection, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(connection, key, value)
        connection.save()
    return connection


def connection_ids_hidden_from(*, user_id: int) -> frozenset[int]:
    """The connections (desk ids) with access rules that do not name this operator or their
    team: their queued conversations are not for them. The caller decides that supervisors
    and admins see everything. One query."""
    return frozenset(
        ConnectionPolicy.objects.filter(restricted=True)
        .exclude(operators__id=user_id)
        .exclude(teams__members__user_id=user_id)
        .values_list("connection_id", flat=True)
    )


def connection_served(connection: Connection | None) -> bool:
    if connection is None:
        return True
    return not ConnectionPolicy.objects.filter(connection=connection, served=False).exists()
