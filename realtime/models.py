from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventCounter(models.Model):
    """One row holding the last event cursor handed out.

    Advanced (and so locked) by the emitting transaction just before it commits, for all its
    events at once (realtime/services.py), it makes events commit in cursor order: a reader
    that sees cursor N can be sure every cursor below N is already visible. Without it, two
    concurrent transactions could commit 11 before 10 and a client resuming from 11 would
    never see 10. Taken last, after every row the transaction locks, it is in no deadlock.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("event counter")
        verbose_name_plural = _("event counters")

    def __str__(self) -> str:
        return f"last cursor {self.value}"


class Event(models.Model):
    """A state change, as pushed to operators. Its id is the cursor: dense and increasing."""

    # Named as Django names every primary key, in Russian too.
    id = models.BigIntegerField("ID", primary_key=True)
    type = models.CharField(_("type"), max_length=64)
    payload = models.JSONField(_("payload"))
    # Who may see it, decided by the service that emitted it (realtime/audience.py applies it,
    # to live pushes and to the replay alike). Supervisors and admins see every event.
    # None = every operator; a user id = that operator only (e.g. messages of a conversation
    # assigned to them).
    audience_user_id = models.BigIntegerField(_("for user ID"), null=True, blank=True)
    # The connection (desk id) of the conversation it is about, if any: a connection with access
    # rules narrows "every operator" to the operators it allows (conversations.ConnectionPolicy)
    # and to those the event involves: the conversation's operator, and the one it was taken from.
    connection_id = models.BigIntegerField(_("connection ID"), null=True, blank=True)
    assignee_id = models.BigIntegerField(_("operator ID"), null=True, blank=True)
    previous_assignee_id = models.BigIntegerField(_("previous operator ID"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"#{self.id} {self.type}"
