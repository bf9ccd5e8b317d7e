"""Campaigns launched in a period, read from the platform (`campaigns/list`), each with its
statistics: the final ones a `campaign_completed` callback stored (outreach.Campaign), or the
current ones from `campaigns/get` while it still runs. Platform errors are kept and shown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from fromni.errors import FromniError
from operator_desk.platform import platform_client
from reports.selectors import campaigns_completed

# campaigns/get is one platform call per campaign: the page asks for this many at most.
LIVE_STATISTICS_LIMIT = 20


@dataclass
class CampaignRow:
    id: str
    name: str
    created_at: datetime | None
    recipients: int | None
    completed_at: datetime | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    source: str = ""  # "completed" (the callback), "live" (campaigns/get) or "" (not read)
    error: str = ""

    @property
    def delivered(self) -> int:
        return self.statuses.get("delivered", 0) + self.statuses.get("read", 0)


@dataclass
class CampaignOverview:
    rows: list[CampaignRow]
    error: str = ""
    not_read: int = 0

    @property
    def statuses(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for row in self.rows:
            total.update(row.statuses)
        return dict(total.most_common())


def _statuses(docs: list[Any]) -> dict[str, int]:
    counted = Counter(
        (doc.get("status") if isinstance(doc, dict) else doc.status) or "unknown" for doc in docs
    )
    return dict(counted.most_common())


def _platform_error(error: FromniError) -> str:
    if error.method:
        return _("The platform did not answer %(method)s: %(error)s") % {
            "method": error.method,
            "error": error.message,
        }
    return _("The platform did not answer the request: %(error)s") % {"error": error.message}


def campaign_overview(*, start: datetime, end: datetime) -> CampaignOverview:
    client = platform_client()
    try:
        listed = client.campaigns_list(start, end)
    except FromniError as error:
        return CampaignOverview(rows=[], error=_platform_error(error))
    stored = campaigns_completed(platform_ids=[c.id for c in listed])
    rows, live_reads = [], 0
    for summary in listed:
        row = CampaignRow(
            id=summary.id,
            name=summary.name or summary.id,
            created_at=summary.created_at,
            recipients=summary.recipients_count,
        )
        done = stored.get(summary.id)
        if done is not None and done.data.get("docs") is not None:
            row.completed_at, row.source = done.completed_at, "completed"
            row.statuses = _statuses(done.data["docs"])
        elif live_reads < LIVE_STATISTICS_LIMIT:
            live_reads += 1
            try:
                row.statuses, row.source = _statuses(client.campaigns_get(summary.id).docs), "live"
            except FromniError as error:
                row.error = _platform_error(error)
        rows.append(row)
    not_read = sum(1 for row in rows if not row.source and not row.error)
    return CampaignOverview(rows=rows, not_read=not_read)
