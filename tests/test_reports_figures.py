"""The supervisors' figures against a hand-built desk whose answers are worked out by hand:
the live dashboard (queue, load against capacity, presence, windows closing unanswered,
per channel and connection) and a period's report (handled, first response and handle time
medians and p90, failed replies and why), per operator, channel and connection, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from conversations.labels import label_create
from conversations.models import (
    Connection,
    Conversation,
    ConversationLabel,
    ConversationState,
    Message,
)
from operators.models import OperatorProfile
from reports.periods import period_parse
from reports.selectors import dashboard, report
from reports.trend import report_trend

pytestmark = pytest.mark.django_db

QUEUED, ASSIGNED = ConversationState.QUEUED, ConversationState.ASSIGNED
CLOSED, EXPIRED = ConversationState.CLOSED, ConversationState.EXPIRED


class Desk:
    """Builds rows with explicit times (the services would stamp them with now())."""

    def __init__(self) -> None:
        self.links = {
            name: Connection.objects.create(platform_id=n, channel=channel, name=name)
            for n, (name, channel) in enumerate(
                [("Bot A", "telegram"), ("VK page", "vk"), ("Bot B", "telegram")], start=1
            )
        }
        self.count = 0

    def conversation(self, *, link: str | None, channel: str = "", **fields) -> Conversation:
        self.count += 1
        contact = Contact.objects.create(platform_id=f"c{self.count}", name=f"User {self.count}")
        connection = self.links[link] if link else None
        return Conversation.objects.create(
            platform_id=f"p{self.count}",
            contact=contact,
            connection=connection,
            channel=connection.channel if connection else channel,
            operator_mode_active=True,
            **fields,
        )

    @staticmethod
    def message(conversation, kind: str, at: datetime, **fields) -> Message:
        message = Message.objects.create(
            conversation=conversation, kind=kind, created_at=at, **fields
        )
        # What reply_create keeps: the first operator reply since the hand-over.
        first = conversation.first_reply_at
        if kind == "outgoing" and at >= conversation.queued_at and (first is None or at < first):
            conversation.first_reply_at = at
            conversation.save(update_fields=["first_reply_at"])
        return message


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=UTC)


# --- the period's report --------------------------------------------------------------------


@pytest.fixture
def period_desk(agent, other_agent):
    """Agent: three closed (FRT 60, 20, 120 s; handle 660, 300, 1200 s), four replies, two
    failed. Other: one expired without a reply, one closed (FRT 600, handle 600), one reply."""
    desk = Desk()
    c1 = desk.conversation(
        link="Bot A",
        state=CLOSED,
        assignee=agent,
        queued_at=at(10, 10),
        assigned_at=at(10, 10, 0, 30),
        closed_at=at(10, 10, 11, 30),
    )
    desk.message(c1, "incoming", at(10, 10))
    desk.message(c1, "outgoing", at(10, 10, 1), author=agent, delivery="delivered")
    c2 = desk.conversation(
        link="Bot A",
        state=CLOSED,
        assignee=agent,
        queued_at=at(10, 11),
        assigned_at=at(10, 11, 0, 10),
        closed_at=at(10, 11, 5, 10),
    )
    # The bot's history and a reply before the hand-over do not count as the first response.
    desk.message(c2, "history", at(10, 10, 59))
    desk.message(c2, "outgoing", at(10, 11, 0, 20), author=agent, delivery="read")
    desk.message(
        c2,
        "outgoing",
        at(10, 11, 3),
        author=agent,
        delivery="failed",
        delivery_detail="Operator mode is not active for this conversation",
    )
    c3 = desk.conversation(
        link="VK page",
        state=CLOSED,
        assignee=agent,
        queued_at=at(11, 12),
        assigned_at=at(11, 12, 1),
        closed_at=at(11, 12, 21),
    )
    desk.message(
        c3,
        "outgoing",
        at(11, 12, 2),
        author=agent,
        delivery="undelivered",
        delivery_detail="blocked",
    )
    c4 = desk.conversation(
        link="VK page",
        state=EXPIRED,
        assignee=other_agent,
        queued_at=at(11, 13),
        assigned_at=at(11, 13),
        closed_at=at(11, 13, 30),
    )
    desk.message(c4, "incoming", at(11, 13))
    desk.message(c4, "note", at(11, 13, 5), author=other_agent)
    c5 = desk.conversation(
        link="Bot B",
        state=CLOSED,
        assignee=other_agent,
        queued_at=at(11, 14),
        assigned_at=at(11, 14, 5),
        closed_at=at(11, 14, 15),
    )
    desk.message(c5, "outgoing", at(11, 14, 10), author=other_agent, delivery="delivered")
    # Outside the period: ended at its end (exclusive), or not ended at all.
    c6 = desk.conversation(
        link="Bot A",
        state=CLOSED,
        assignee=agent,
        queued_at=at(11, 23),
        assigned_at=at(11, 23),
        closed_at=at(12, 0),
    )
    desk.message(c6, "outgoing", at(12, 0), author=agent, delivery="failed")
    desk.conversation(
        link="Bot A", state=ASSIGNED, assignee=agent, queued_at=at(11, 9), assigned_at=at(11, 9)
    )
    return desk


PERIOD = period_parse({"start": "2026-01-10", "end": "2026-01-11"})


def rows_of(by: str) -> dict[str, tuple]:
    found = report(start=PERIOD.start, end=PERIOD.end, by=by)
    return {
        row.label: (
            row.handled,
            row.expired,
            row.replied,
            row.frt_p50,
            row.frt_p90,
            row.handle_p50,
            row.handle_p90,
            row.replies,
            row.failed,
        )
        for row in [*found.rows, found.total]
    }


def test_the_report_per_operator_has_the_hand_worked_figures(period_desk):
    assert rows_of("operator") == {
        # handled, expired, replied, FRT p50, p90, handle p50, p90, replies, failed
        "Agent": (3, 0, 3, 60, pytest.approx(108), 660, pytest.approx(1092), 4, 2),
        "Other": (1, 1, 1, 600, 600, 600, 600, 1, 0),
        "All": (4, 1, 4, 90, pytest.approx(456), 630, pytest.approx(1038), 5, 2),
    }


def test_the_report_per_channel_and_per_connection(period_desk):
    assert rows_of("channel") == {
        "telegram": (3, 0, 3, 60, pytest.approx(492), 600, pytest.approx(648), 4, 1),
        "vk": (1, 1, 1, 120, 120, 1200, 1200, 1, 1),
        "All": (4, 1, 4, 90, pytest.approx(456), 630, pytest.approx(1038), 5, 2),
    }
    connections = rows_of("connection")
    assert connections["Bot A"] == (2, 0, 2, 40, pytest.approx(56), 480, pytest.approx(624), 3, 1)
    assert connections["VK page"] == (1, 1, 1, 120, 120, 1200, 1200, 1, 1)
    assert connections["Bot B"] == (1, 0, 1, 600, 600, 600, 600, 1, 0)


def test_failed_replies_are_explained_by_state_and_platform_detail(period_desk):
    reasons = report(start=PERIOD.start, end=PERIOD.end, by="operator").reasons
    assert sorted(
        (r["label"], r["delivery"], r["delivery_detail"], r["count"]) for r in reasons
    ) == [
        ("Agent", "failed", "Operator mode is not active for this conversation", 1),
        ("Agent", "undelivered", "blocked", 1),
    ]


def test_an_empty_period_has_no_rows_and_no_times(period_desk):
    empty = period_parse({"start": "2025-01-01", "end": "2025-01-31"})
    found = report(start=empty.start, end=empty.end)
    assert found.rows == []
    assert (found.total.handled, found.total.frt_p50, found.total.handle_p90) == (0, None, None)


def test_conversations_nobody_took_have_a_row_of_their_own_and_count_in_the_total(period_desk):
    # Expired in the queue: no operator, no connection. Its row is keyed None, as the total is
    # in the one statement that computes both; the two must not be taken for each other.
    period_desk.conversation(link=None, state=EXPIRED, queued_at=at(10, 15), closed_at=at(10, 16))
    operators = rows_of("operator")
    assert operators["nobody"] == (0, 1, 0, None, None, None, None, 0, 0)
    assert operators["All"] == (4, 2, 4, 90, pytest.approx(456), 630, pytest.approx(1038), 5, 2)
    assert rows_of("connection")["none"] == (0, 1, 0, None, None, None, None, 0, 0)
    assert rows_of("channel")["unknown"] == (0, 1, 0, None, None, None, None, 0, 0)


def test_the_csv_has_the_figures_of_each_dimensions_report(period_desk, client, supervisor):
    period_desk.conversation(link=None, state=EXPIRED, queued_at=at(10, 15), closed_at=at(10, 16))
    client.force_login(supervisor)
    response = client.get("/reports/period.csv?start=2026-01-10&end=2026-01-11")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    in_csv = {(r["dimension"], r["name"]): list(r.values())[2:] for r in table}

    def seconds(value):
        return "" if value is None else f"{value:.1f}"

    for by in ("operator", "channel", "connection", "label"):
        found = report(start=PERIOD.start, end=PERIOD.end, by=by)
        for row in found.rows:
            assert in_csv.pop((by, row.label)) == [
                str(row.handled),
                str(row.expired),
                str(row.replied),
                *(seconds(v) for v in (row.frt_p50, row.frt_p90, row.handle_p50, row.handle_p90)),
                str(row.replies),
                str(row.failed),
            ]
    assert list(in_csv) == [("total", "All")]
    assert in_csv[("total", "All")][:3] == ["4", "2", "4"]


def test_the_csv_has_every_dimension_and_the_total(period_desk, client, supervisor):
    client.force_login(supervisor)
    response = client.get("/reports/period.csv?start=2026-01-10&end=2026-01-11")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "desk-report-2026-01-10-2026-01-11.csv" in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    by = {(r["dimension"], r["name"]): r for r in table}
    assert set(by) == {
        ("operator", "Agent"),
        ("operator", "Other"),
        ("channel", "telegram"),
        ("channel", "vk"),
        ("connection", "Bot A"),
        ("connection", "VK page"),
        ("connection", "Bot B"),
        ("label", "no label"),
        ("total", "All"),
    }
    agent = by[("operator", "Agent")]
    assert (agent["handled"], agent["first_response_median_s"], agent["first_response_p90_s"]) == (
        "3",
        "60.0",
        "108.0",
    )
    assert (agent["handle_median_s"], agent["handle_p90_s"], agent["failed_replies"]) == (
        "660.0",
        "1092.0",
        "2",
    )
    assert by[("total", "All")]["first_response_median_s"] == "90.0"


def test_the_csv_counts_replies_per_channel_and_connection_as_the_reports_do(
    period_desk, client, supervisor
):
    # The CSV groups replies once by every dimension and adds them up per dimension.
    client.force_login(supervisor)
    response = client.get("/reports/period.csv?start=2026-01-10&end=2026-01-11")
    table = csv.DictReader(io.StringIO(response.content.decode()))
    replies = {(r["dimension"], r["name"]): (r["replies"], r["failed_replies"]) for r in table}
    for by in ("operator", "channel", "connection", "label"):
        for row in report(start=PERIOD.start, end=PERIOD.end, by=by).rows:
            assert replies[(by, row.label)] == (str(row.replies), str(row.failed))
    assert replies[("channel", "telegram")] == ("4", "1")
    assert replies[("connection", "Bot B")] == ("1", "0")
    assert replies[("total", "All")] == ("5", "2")


def test_a_conversation_counts_under_each_of_its_labels_and_once_in_the_total(
    period_desk, client, supervisor, admin_user
):
    delivery = label_create(actor=admin_user, name="Доставка", colour="teal")
    vip = label_create(actor=admin_user, name="VIP", colour="purple")
    c1, c3 = (Conversation.objects.get(contact__name=f"User {n}") for n in (1, 3))
    for conversation, label in ((c1, delivery), (c1, vip), (c3, delivery)):
        ConversationLabel.objects.create(conversation=conversation, label=label)
    before = rows_of("operator")["All"]
    assert rows_of("label") == {
        # c1 and c3: FRT 60 and 120 s, handle 660 and 1200 s; c3's reply undelivered.
        "Доставка": (2, 0, 2, 90, 114, 930, 1146, 2, 1),
        "VIP": (1, 0, 1, 60, 60, 660, 660, 1, 0),
        # c2 (FRT 20, handle 300, a failed reply), c4 expired, c5 (FRT 600, handle 600).
        "no label": (2, 1, 2, 310, 542, 450, 570, 3, 1),
        "All": before,
    }
    client.force_login(supervisor)
    page = client.get("/reports/period/?start=2026-01-10&end=2026-01-11&by=label")
    assert page.status_code == 200
    assert "counts under each of them" in page.content.decode()
    response = client.get("/reports/period.csv?start=2026-01-10&end=2026-01-11")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    labelled = {r["name"]: r["handled"] for r in table if r["dimension"] == "label"}
    assert labelled == {"Доставка": "2", "VIP": "1", "no label": "2"}
    assert [r["handled"] for r in table if r["dimension"] == "total"] == ["4"]


def test_the_report_page_shows_the_table_and_a_chart_per_measure(period_desk, client, supervisor):
    client.force_login(supervisor)
    response = client.get("/reports/period/?start=2026-01-10&end=2026-01-11&by=channel")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart"') == 6
    assert "First response time, p90" in html and "8 min 12 s" in html  # telegram p90: 492 s
    assert "Operator mode is not active for this conversation" in html
    answer = client.get("/api/reports/period?start=2026-01-10&end=2026-01-11&by=operator").json()
    assert answer["total"]["handled"] == 4 and answer["total"]["frt_p50"] == 90


def test_the_trend_has_each_days_hand_worked_figures(period_desk):
    days = report_trend(start=PERIOD.start, end=PERIOD.end)
    assert [
        (d.day, d.handled, d.expired, d.frt_p50, d.handle_p50, d.replies, d.failed) for d in days
    ] == [
        # c1, c2: FRT 60 and 20 s, handle 660 and 300 s; three replies, one failed.
        (date(2026, 1, 10), 2, 0, 40, 480, 3, 1),
        # c3, c5 closed (FRT 120, 600; handle 1200, 600), c4 expired; c3's reply undelivered.
        (date(2026, 1, 11), 2, 1, 360, 900, 2, 1),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Moscow", "America/New_York"])
def test_each_day_of_the_trend_is_that_days_report_in_the_desks_time_zone(period_desk, zone):
    """The chart and the table cannot disagree: a day's figures are the report of that day."""
    with timezone.override(zone):
        period = period_parse({"start": "2026-01-09", "end": "2026-01-12"})
        days = report_trend(start=period.start, end=period.end)
        assert [d.day for d in days] == [date(2026, 1, n) for n in (9, 10, 11, 12)]
        for day in days:
            one = period_parse({"start": day.day.isoformat(), "end": day.day.isoformat()})
            total = report(start=one.start, end=one.end).total
            assert (day.handled, day.expired, day.frt_p50, day.handle_p50) == (
                total.handled,
                total.expired,
                total.frt_p50,
                total.handle_p50,
            ), day
            assert (day.replies, day.failed) == (total.replies, total.failed), day
        whole = report(start=period.start, end=period.end).total
        assert sum(d.handled for d in days) == whole.handled
        assert sum(d.failed for d in days) == whole.failed


def test_the_report_page_shows_the_trend_as_charts_and_a_table(period_desk, client, supervisor):
    client.force_login(supervisor)
    html = client.get("/reports/period/?start=2026-01-10&end=2026-01-11").content.decode()
    assert html.count('<svg class="chart chart-trend"') == 4
    assert "<title>10 Jan: 2</title>" in html  # handled on the 10th
    assert "<title>11 Jan: 6 min 00 s</title>" in html  # first response median on the 11th
    table = html[html.index('id="trend-table"') :]
    assert '<time datetime="2026-01-11">' in table and "15 min 00 s" in table


def test_a_malformed_period_is_refused_with_its_reason(client, supervisor):
    client.force_login(supervisor)
    answer = client.get("/api/reports/period?start=10.01.2026")
    assert answer.status_code == 400
    assert "YYYY-MM-DD" in answer.json()["message"]
    assert client.get("/api/reports/period?start=2026-02-01&end=2026-01-01").status_code == 400
    page = client.get("/reports/period/?start=nonsense")
    assert page.status_code == 400 and b"YYYY-MM-DD" in page.content


def test_the_default_period_is_the_last_seven_days():
    period = period_parse({}, today=date(2026, 3, 10))
    assert (period.first, period.last) == (date(2026, 3, 4), date(2026, 3, 10))


# --- the live dashboard ---------------------------------------------------------------------

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def live_figures(agent, other_agent, supervisor):
    desk = Desk()
    OperatorProfile.objects.update_or_create(
        user=agent, defaults={"presence": "online", "capacity": 3}
    )
    OperatorProfile.objects.update_or_create(user=other_agent, defaults={"presence": "away"})
    OperatorProfile.objects.update_or_create(user=supervisor, defaults={"presence": "offline"})
    made = {}
    made["q1"] = desk.conversation(
        link="Bot A", state=QUEUED, queued_at=ago(10), expires_at=later(20)
    )
    made["q2"] = desk.conversation(
        link="VK page", state=QUEUED, queued_at=ago(2), expires_at=later(3)
    )
    desk.message(made["q2"], "incoming", ago(2))
    made["a1"] = desk.conversation(
        link="Bot A", state=ASSIGNED, assignee=agent, queued_at=ago(30), expires_at=later(4)
    )
    desk.message(made["a1"], "incoming", ago(5))
    desk.message(made["a1"], "outgoing", ago(1), author=agent)  # answered: not at risk
    made["a2"] = desk.conversation(
        link="Bot B", state=ASSIGNED, assignee=agent, queued_at=ago(20), expires_at=later(2)
    )
    desk.message(made["a2"], "outgoing", ago(10), author=agent)
    desk.message(made["a2"], "incoming", ago(3))  # the user spoke last: at risk
    made["a3"] = desk.conversation(
        link="VK page",
        state=ASSIGNED,
        assignee=other_agent,
        queued_at=ago(40),
        expires_at=later(60),
    )
    made["a4"] = desk.conversation(
        link=None,
        channel="webchat",
        state=ASSIGNED,
        assignee=other_agent,
        queued_at=ago(50),
        expires_at=ago(1),
    )
    desk.conversation(
        link="Bot A", state=CLOSED, assignee=agent, queued_at=ago(90), closed_at=ago(80)
    )
    return made


def test_the_dashboard_counts_the_queue_and_its_longest_wait(live_figures):
    figures = dashboard(now=NOW)
    assert figures["queue"] == {
        "waiting": 2,
        "oldestQueuedAt": ago(10).isoformat(),
        "longestWaitSeconds": 600.0,
    }
    assert figures["openTotal"] == 6
    assert [c["id"] for c in figures["open"]] == [
        live_figures[k].pk for k in ("a4", "a3", "a1", "a2", "q1", "q2")
    ]


def test_the_dashboard_shows_load_against_capacity_and_presence(live_figures):
    figures = dashboard(now=NOW)
    load = {op["name"]: (op["open"], op["capacity"], op["presence"]) for op in figures["operators"]}
    assert load == {
        "Agent": (2, 3, "online"),
        "Other": (2, 5, "away"),
        "Supervisor": (0, 5, "offline"),
    }
    assert figures["presence"] == {"online": 1, "away": 1, "offline": 1}


def test_windows_closing_within_five_minutes_without_a_reply_are_flagged(live_figures):
    figures = dashboard(now=NOW)
    # a1 was answered, a3's window is far off, a4's has already closed.
    assert [c["id"] for c in figures["atRisk"]] == [live_figures["a2"].pk, live_figures["q2"].pk]


def test_the_dashboard_breaks_the_open_conversations_down_by_channel_and_connection(live_figures):
    figures = dashboard(now=NOW)
    channels = {
        r["label"]: (r["queued"], r["assigned"], r["longestWaitSeconds"])
        for r in figures["byChannel"]
    }
    assert channels == {"telegram": (1, 2, 600.0), "vk": (1, 1, 120.0), "webchat": (0, 1, None)}
    links = {r["label"]: (r["queued"], r["assigned"]) for r in figures["byConnection"]}
    assert links == {"Bot A": (1, 1), "VK page": (1, 1), "Bot B": (0, 1), "none": (0, 1)}
