"""Messages the account starts: events (which may launch a campaign), campaigns, and one-way
notifications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import FromniValueError
from ..models import Campaign, CampaignSummary, Event, Id, NotificationResult
from . import bodies
from .answers import Answers
from .bodies import ChannelSpec


class OutreachMethods(Answers):
    # --- Events ---------------------------------------------------------------------------

    def events_send(self, name: str, data: Mapping[str, Any] | None = None) -> str | None:
        """Transmit an event; returns the id of the campaign it launched, if any."""
        answer = self.call("events_send", bodies.compact({"name": name, "data": data}))
        value = answer.get("id")
        return None if value is None else str(value)

    def events_list(self) -> list[Event]:
        return self._list("events_list", {}, Event)

    # --- Campaigns ------------------------------------------------------------------------

    def campaigns_launch(
        self,
        name: str,
        channels: Sequence[ChannelSpec],
        data: Sequence[Mapping[str, Any]],
        *,
        template_id: Id | None = None,
        scenario_id: str | None = None,
        live_time: int | None = None,
        match: Sequence[str] | None = None,
    ) -> str:
        """Launch a campaign to the recipients in `data`; returns the campaign id."""
        if live_time is not None and not 1 <= live_time <= 48:
            raise FromniValueError("live_time must be 1..48 hours", method="campaigns_launch")
        body = bodies.compact(
            {
                "name": name,
                "liveTime": live_time,
                "scenarioId": scenario_id,
                "channels": bodies.channels(channels),
                "templateId": template_id,
                "data": [dict(row) for row in data],
                "match": list(match) if match is not None else None,
            }
        )
        return self._id("campaigns_launch", body)

    def campaigns_list(
        self,
        start_date: datetime | str | None = None,
        end_date: datetime | str | None = None,
        type: str | None = None,
    ) -> list[CampaignSummary]:
        """Campaigns launched in a period; `type` is "event" or "manual"."""
        body = bodies.compact(
            {
                "startDate": bodies.date(start_date, "campaigns_list"),
                "endDate": bodies.date(end_date, "campaigns_list"),
                "type": type,
            }
        )
        return self._list("campaigns_list", body, CampaignSummary)

    def campaigns_get(self, campaign_id: str) -> Campaign:
        """A campaign with its current per-recipient statistics."""
        return self._one("campaigns_get", {"id": campaign_id}, Campaign)

    # --- Notifications --------------------------------------------------------------------

    def notifications_send(
        self,
        text: str,
        channels: Sequence[ChannelSpec],
        *,
        phone: str | int | None = None,
        contact_id: str | None = None,
        attachments: Sequence[Any] = (),
    ) -> NotificationResult:
        """Send a one-way notification by phone or contact id (at least one is required)."""
        if phone in (None, "") and not contact_id:
            raise FromniValueError(
                "a phone or a contact_id is required", method="notifications_send"
            )
        body = bodies.compact(
            {
                "phone": phone,
                "contactId": contact_id,
                "message": bodies.message(text, attachments),
                "channels": bodies.channels(channels),
            }
        )
        return self._one("notifications_send", body, NotificationResult)
