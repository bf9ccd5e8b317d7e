from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models import Contact
from operator_desk.sql import Seconds


class Connection(models.Model):
    """A channel account on the platform (a Telegram bot, a WABA number...)."""

    platform_id = models.BigIntegerField(_("platform ID"), unique=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    raw = models.JSONField(_("as the platform sent it"), default=dict, blank=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")

    def __str__(self) -> str:
        return self.name or f"{self.channel} #{self.platform_id}"


class ConversationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ASSIGNED = "assigned", _("Assigned")
    CLOSED = "closed", _("Closed")
    EXPIRED = "expired", _("Expired")


OPEN_STATES = (ConversationState.QUEUED, ConversationState.ASSIGNED)


class Priority(models.IntegerChoices):
    """Stored as a number so the queue's index orders it: the most urgent sorts first."""

    URGENT = 0, "urgent"
    HIGH = 1, "high"
    NORMAL = 2, "normal"
    LOW = 3, "low"


# The API's names for priorities, and back.
PRIORITY_NAMES = {p.value: p.label for p in Priority}
PRIORITY_BY_NAME = {p.label: p.value for p in Priority}


class LabelColour(models.TextChoices):
    """The fixed palette of label colours: each keeps white text at WCAG AA contrast (4.5:1)
    on it (tests/test_labels.py measures it; static/labels.css paints them)."""

    RED = "red", "#B42318"
    ORANGE = "orange", "#B54708"
    BROWN = "brown", "#7A4A1F"
    GREEN = "green", "#067647"
    TEAL = "teal", "#0E7090"
    BLUE = "blue", "#175CD3"
    INDIGO = "indigo", "#3538CD"
    PURPLE = "purple", "#6927DA"
    PINK = "pink", "#C11574"
    GREY = "grey", "#475467"


# The palette's names as the admin reads them, in their language.
LABEL_COLOUR_NAMES = {
    LabelColour.RED: pgettext_lazy("label colour", "Red"),
    LabelColour.ORANGE: pgettext_lazy("label colour", "Orange"),
    LabelColour.BROWN: pgettext_lazy("label colour", "Brown"),
    LabelColour.GREEN: pgettext_lazy("label colour", "Green"),
    LabelColour.TEAL: pgettext_lazy("label colour", "Teal"),
    LabelColour.BLUE: pgettext_lazy("label colour", "Blue"),
    LabelColour.INDIGO: pgettext_lazy("label colour", "Indigo"),
    LabelColour.PURPLE: pgettext_lazy("label colour", "Purple"),
    LabelColour.PINK: pgettext_lazy("label colour", "Pink"),
    LabelColour.GREY: pgettext_lazy("label colour", "Grey"),
}


class Label(models.Model):
    """A tag admins define and operators put on conversations (reports group by it)."""

    name = models.CharField(max_length=50)
    # The name folded (str.casefold, so "Срочно" and "СРОЧНО" agree on SQLite too, whose
    # LOWER() knows ASCII only): unique, so names differ case-insensitively.
    name_key = models.CharField(max_length=50, unique=True)
    colour = models.CharField(max_length=16, choices=LabelColour.choices)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")

    def __str__(self) -> str:
        return self.name


ENDED_STATES = (ConversationState.CLOSED, ConversationState.EXPIRED)


def ended_index(*fields: str, name: str) -> models.Index:
    """Reports read the conversations that ended in a period, in all and grouped by operator,
    channel or connection. Such an index hands them over in `fields` order and carries every
    column the figures read, so PostgreSQL neither visits the table (an index-only scan) nor,
    grouped by its first field, sorts them by group (docs/benchmarks.md, "Figures behind the
    code"). SQLite keeps the key columns only."""
    return models.Index(
        fields=list(fields),
        include=[
            "state",
            "first_reply_at",
            "first_response_seconds",
            "handle_seconds",
            # The CSV groups the period's conversations by all three at once.
            *(key for key in ("assignee", "channel", "connection") if key not in fields),
        ],
        condition=models.Q(state__in=ENDED_STATES),
        name=name,
    )


class Conversation(models.Model):
    """A dialog the bot handed to a human."""

    platform_id = models.CharField(_("platform ID"), max_length=64, unique=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="conversations", verbose_name=_("contact")
    )
    connection = models.ForeignKey(
        Connection,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("connection"),
    )
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    scenario_id = models.CharField(_("scenario ID"), max_length=64, blank=True)
    start_trigger = models.CharField(_("start trigger"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    operator_mode_active = models.BooleanField(_("operator mode on"), default=False)
    # The end of the messenger's window: replies are refused after it.
    expires_at = models.DateTimeField(_("window closes at"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=ConversationState.choices,
        default=ConversationState.QUEUED,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        verbose_name=_("operator"),
    )
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    history_loaded_at = models.DateTimeField(_("history loaded at"), null=True, blank=True)
    # The operator's first reply since the hand-over (first response time, in reports).
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    # The reports' two durations, kept by the database itself: percentiles over a period sort
    # these plain numbers instead of computing an interval per row (docs/benchmarks.md).
    # No verbose_name: the admin does not show them, and on SQLite any AlterField of a
    # GeneratedField rebuilds the whole table (Django compares its output_field instances).
    first_response_seconds = models.GeneratedField(
        expression=Seconds("first_reply_at", "queued_at"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    handle_seconds = models.GeneratedField(
        expression=Seconds("closed_at", "assigned_at"),
        output_field=models.FloatField(),
        db_persist=True,
    )
    # Snoozed by its operator (conversations/snooze.py): out of their active list until
    # `snoozed_until` or the user's next message, whichever comes first. `snoozed_at` is the
    # flag (None: not snoozed); `snoozed_until` is when the clock brings it back (for a snooze
    # "until the user writes", shortly before the window ends).
    snoozed_at = models.DateTimeField(_("snoozed at"), null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    snooze_until_reply = models.BooleanField(_("snoozed until the user writes"), default=False)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    labels = models.ManyToManyField(
        Label,
        through="ConversationLabel",
        related_name="conversations",
        blank=True,
        verbose_name=_("labels"),
    )
    raw = models.JSONField(_("as the platform sent it"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["state", "-queued_at"]),
            # The clock's look for snoozes that are due: few rows, so a partial index.
            models.Index(
                fields=["snoozed_until"],
                condition=models.Q(snoozed_at__isnull=False),
                name="conversation_snooze_due",
            ),
            # The queue's order: most urgent first, then who has waited longest (keyset-paged;
            # automatic assignment reads it in the same order).
            models.Index(
                fields=["state", "priority", "queued_at", "id"], name="conversation_queue"
            ),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["state", "expires_at"]),
            # The lists other than the queue: most recently active first, keyset-paged.
            models.Index(fields=["state", "-updated_at", "-id"], name="conversation_activity"),
            models.Index(
                fields=["assignee", "state", "-updated_at", "-id"], name="conversation_mine"
            ),
            # Reports: what ended in a period, in all and per operator, channel and connection.
            ended_index("closed_at", name="ended_in_period"),
            ended_index("assignee", "closed_at", name="ended_by_assignee"),
            ended_index("channel", "closed_at", name="ended_by_channel"),
            ended_index("connection", "closed_at", name="ended_by_connection"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} dialog {self.platform_id}"

    def window_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.operator_mode_active and (self.expires_at is None or self.expires_at > now)

    def window_closed_at(self) -> str:
        return self.expires_at.isoformat() if self.expires_at else "an unknown time"


class ConversationLabel(models.Model):
    """A label on a conversation: who put it there, and when."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="label_links"
    )
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="conversation_links")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conversation label")
        verbose_name_plural = _("conversation labels")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "label"], name="conversation_label_once"
            )
        ]
        # The lists filtered by a label start from its conversations (docs/benchmarks.md).
        indexes = [models.Index(fields=["label", "conversation"], name="label_conversations")]

    def __str__(self) -> str:
        return f"{self.label_id} on {self.conversation_id}"


class MessageKind(models.TextChoices):
    INCOMING = "incoming", _("From the user")
    OUTGOING = "outgoing", _("From the operator")
    HISTORY = "history", _("Before the hand-over (bot dialog)")
    NOTE = "note", _("Internal note")


class DeliveryState(models.TextChoices):
    """An operator reply's state: the desk's own first, then the platform's statuses."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    FAILED = "failed", _("Failed")
    # The send may or may not have reached the platform (a worker died, a timeout): checked
    # against the dialog's messages on the platform before anything is sent again.
    CHECKING = "checking", _("Unknown, checking")
    SENT = "sent", _("Sent")
    UNKNOWN = "unknown", _("Status unknown")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    REJECTED = "rejected", _("Rejected")
    UNDELIVERED = "undelivered", _("Undelivered")
    EXPIRED = "expired", _("Expired")
    ERROR = "error", _("Error")
    BLOCKED_BY_USER = "blocked_by_user", _("Blocked by the user")


# The order in which platform statuses may follow each other: a later-arriving lower rank
# (e.g. "delivered" after "read") is stale and never overwrites a higher one.
STATUS_RANK = {
    DeliveryState.SENT: 1,
    DeliveryState.UNKNOWN: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
    DeliveryState.REJECTED: 4,
    DeliveryState.UNDELIVERED: 4,
    DeliveryState.EXPIRED: 4,
    DeliveryState.ERROR: 4,
    DeliveryState.BLOCKED_BY_USER: 4,
}


# Reports: a reply whose delivery ended in one of these failed (the desk's own failure or the
# platform's final word).
FAILED_DELIVERY = (
    DeliveryState.FAILED,
    DeliveryState.REJECTED,
    DeliveryState.UNDELIVERED,
    DeliveryState.EXPIRED,
    DeliveryState.ERROR,
    DeliveryState.BLOCKED_BY_USER,
)


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Makes a repeated delivery of the same thing a no-op: the callback body's hash for incoming
    # messages, "history:<platform id>" for history, the browser's key for operator replies.
    # NULL, not "": many rows have no key, and the unique constraint must ignore them.
    dedupe_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=128, null=True, blank=True
    )
    # Operator replies only:
    platform_message_id = models.CharField(  # noqa: DJ001
        _("message ID on the platform"), max_length=64, null=True, blank=True
    )
    delivery = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryState.choices, blank=True
    )
    delivery_detail = models.TextField(_("delivery detail"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "dedupe_key"], name="message_dedupe_once"
            ),
            models.UniqueConstraint(
                fields=["conversation", "platform_message_id"], name="platform_message_once"
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["delivery", "sending_started_at"]),
            # Reports: replies written in a period, counted per author from this index alone on
            # PostgreSQL (an index-only scan, docs/benchmarks.md); SQLite keeps the key only.
            models.Index(
                fields=["created_at"],
                include=["author", "delivery", "conversation"],
                condition=models.Q(kind="outgoing"),
                name="message_reply_created",
            ),
            # Reports: why replies failed in a period. Few replies fail; without it the reasons
            # read every reply of the period from the table (docs/benchmarks.md).
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="outgoing", delivery__in=FAILED_DELIVERY),
                name="message_reply_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} message {self.pk}"


class ConnectionPolicy(models.Model):
    """Whether the desk serves a platform connection, and who sees its queue.

    No row means the defaults: served, seen by every operator. With teams or operators listed
    (`restricted`), only those (plus supervisors and admins) see its queued conversations, in
    the API lists and in websocket events alike.
    """

    connection = models.OneToOneField(
        "conversations.Connection",
        on_delete=models.CASCADE,
        related_name="policy",
        verbose_name=_("connection"),
    )
    # An unserved connection's hand-overs are recorded as callbacks but queue nothing.
    served = models.BooleanField(_("served"), default=True)
    teams = models.ManyToManyField(
        "operators.Team", blank=True, related_name="connections", verbose_name=_("teams")
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="connection_policies",
        verbose_name=_("operators"),
    )
    # Denormalised "has any team or operator", so the visibility check is one indexed query.
    restricted = models.BooleanField(_("restricted"), default=False, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        # Made by the administration app, whose table it keeps (migrations 0009 here, 0003
        # there: the model moved, the rows did not).
        db_table = "administration_connectionpolicy"
        verbose_name = _("connection access rule")
        verbose_name_plural = _("connection access rules")

    def __str__(self) -> str:
        return f"policy of {self.connection}"


class ReadMark(models.Model):
    """How far an operator has read a conversation: the unread count is the user's messages
    after this one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Made by the desk app, whose table it keeps (migrations 0010 here, 0002 there).
        db_table = "desk_readmark"
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="read_mark_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.conversation_id} up to {self.last_read_message_id}"


class Mention(models.Model):
    """An operator named in an internal note (`<@user id>`, conversations/mentions.py), who was
    told so; their "Mentions" list counts those with no `read_at`."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_once")]
        indexes = [
            # The list, newest first, keyset-paged; and its unread count.
            models.Index(fields=["user", "-created_at", "-id"], name="mention_inbox"),
            models.Index(
                fields=["user", "conversation"],
                condition=models.Q(read_at__isnull=True),
                name="mention_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} mentioned in message {self.message_id}"
