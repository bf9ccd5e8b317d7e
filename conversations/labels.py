"""Labels: the catalogue admins keep (create, change, delete) and the labels operators put on
conversations and take off. Each change is audited and emits its event after commit: a
conversation's labels as a conversation event (desk.conversation_labels_changed, seen by whoever
sees the conversation), the catalogue's changes for every operator (desk.label_saved,
desk.label_deleted), so chips and pickers everywhere follow."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from conversations.charge import require_may_triage
from conversations.events import conversation_event_emit
from conversations.locks import conversation_locked
from conversations.models import Conversation, ConversationLabel, Label, LabelColour
from conversations.serializers import label_data
from operator_desk.db import locked
from operator_desk.errors import Conflict, Invalid, NotFound
from realtime.services import event_emit

NAME_MAX = 50
DESCRIPTION_MAX = 200


def label_name_key(name: str) -> str:
    return name.casefold()


def _clean(name: str, colour: str, description: str) -> tuple[str, str, str]:
    name = " ".join(name.split())
    if not name:
        raise Invalid(_("A label needs a name."), field="name")
    if len(name) > NAME_MAX:
        raise Invalid(
            _("A label's name is at most %(most)s characters.") % {"most": NAME_MAX}, field="name"
        )
    if colour not in LabelColour.values:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "colour", "choices": ", ".join(LabelColour.values)},
            field="colour",
        )
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(
            _("A description is at most %(most)s characters.") % {"most": DESCRIPTION_MAX},
            field="description",
        )
    return name, colour, description


def _name_taken(name: str) -> Conflict:
    return Conflict(_("There is a label named “%(name)s” already.") % {"name": name}, field="name")


def _saved(label: Label, *, actor: User, action: str) -> Label:
    """Stores the label (its name unique case-insensitively), audits and tells the desks."""
    label.name_key = label_name_key(label.name)
    if Label.objects.filter(name_key=label.name_key).exclude(pk=label.pk).exists():
        raise _name_taken(label.name)
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:  # the same name, saved by someone else meanwhile
        raise _name_taken(label.name) from None
    audit_record(
        actor=actor,
        action=action,
        target=f"label:{label.pk}",
        name=label.name,
        colour=label.colour,
    )
    event_emit(type="desk.label_saved", payload={"label": label_data(label)})
    return label


@transaction.atomic
def label_create(*, actor: User, name: str, colour: str, description: str = "") -> Label:
    name, colour, description = _clean(name, colour, description)
    label = Label(name=name, colour=colour, description=description)
    return _saved(label, actor=actor, action="label.create")


@transaction.atomic
def label_update(
    *, actor: User, label_id: int, name: str, colour: str, description: str = ""
) -> Label:
    label = locked(Label.objects).filter(pk=label_id).first()
    if label is None:
        raise NotFound(_("There is no label %(id)s.") % {"id": label_id})
    label.name, label.colour, label.description = _clean(name, colour, description)
    return _saved(label, actor=actor, action="label.update")


@transaction.atomic
def label_delete(*, actor: User, label_id: int) -> None:
    """Deletes the label and takes it off every conversation (the desks drop its chips)."""
    label = locked(Label.objects).filter(pk=label_id).first()
    if label is None:
        raise NotFound(_("There is no label %(id)s.") % {"id": label_id})
    used = ConversationLabel.objects.filter(label=label).count()
    audit_record(
        actor=actor, action="label.delete", target=f"label:{label.pk}", name=label.name, used=used
    )
    label.delete()
    event_emit(type="desk.label_deleted", payload={"labelId": label_id})


def _label(label_id: int) -> Label:
    label = Label.objects.filter(pk=label_id).first()
    if label is None:
        raise Invalid(_("There is no label %(id)s.") % {"id": label_id}, field="labelId")
    return label


def _labels_changed(conversation: Conversation, *, user: User, label: Label, put_on: bool) -> None:
    """The audit record and the event of a label put on or taken off (in the transaction)."""
    audit_record(
        actor=user,
        action="conversation.label_add" if put_on else "conversation.label_remove",
        target=f"conversation:{conversation.pk}",
        labelId=label.pk,
        label=label.name,
    )
    conversation_event_emit(
        conversation,
        "labels_changed",
        byUserId=user.pk,
        added=label.pk if put_on else None,
        removed=None if put_on else label.pk,
    )


@transaction.atomic
def conversation_label_add(*, conversation_id: int, user: User, label_id: int) -> Conversation:
    """Puts a label on a conversation; one already there is left as it is (no event)."""
    conversation = conversation_locked(conversation_id)
    require_may_triage(conversation, user)
    label = _label(label_id)
    _link, created = ConversationLabel.objects.get_or_create(
        conversation=conversation, label=label, defaults={"added_by": user}
    )
    if created:
        _labels_changed(conversation, user=user, label=label, put_on=True)
    return conversation


@transaction.atomic
def conversation_label_remove(*, conversation_id: int, user: User, label_id: int) -> Conversation:
    """Takes a label off a conversation; one not there is nothing to do (no event)."""
    conversation = conversation_locked(conversation_id)
    require_may_triage(conversation, user)
    label = _label(label_id)
    removed, _by_model = ConversationLabel.objects.filter(
        conversation=conversation, label=label
    ).delete()
    if removed:
        _labels_changed(conversation, user=user, label=label, put_on=False)
    return conversation
