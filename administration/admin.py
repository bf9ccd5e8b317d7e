"""Django's own admin (/django-admin/, staff = desk admins only) for looking at raw data.

Changes go through the desk's admin pages, which talk to the platform, audit and notify open
sockets; here the desk's tables are read-only. A model some other app already registered is
left to that app.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model

from audit.models import AuditEntry
from callbacks.models import CallbackDelivery, CallbackRecord, CallbackSecret
from contacts.models import Contact
from conversations.models import Connection, ConnectionPolicy, Conversation, Message
from operators.models import OperatorProfile, Team
from realtime.models import Event


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Columns and filters are named by fields, whose verbose names are translated (the Russian
# admin reads them in Russian): "id", not "pk", which the admin would print as "Pk".
RAW_DATA: dict[type[Model], dict] = {
    AuditEntry: {
        "list_display": ("at", "actor", "action", "target"),
        "list_filter": ("action",),
        "search_fields": ("target", "actor__username"),
        "date_hierarchy": "at",
    },
    CallbackSecret: {"list_display": ("__str__", "callback_url", "activated_at", "expires_at")},
    ConnectionPolicy: {"list_display": ("connection", "served", "restricted", "updated_at")},
    CallbackRecord: {
        "list_display": (
            "kind",
            "first_received_at",
            "deliveries",
            "waiting_for",
            "applied_at",
            "missing",
        ),
        "list_filter": ("kind",),
    },
    CallbackDelivery: {
        "list_display": ("record", "arrived_at", "answered_at", "resolution", "note"),
        "list_filter": ("resolution",),
        "search_fields": ("conversation_platform_id",),
    },
    Connection: {"list_display": ("platform_id", "channel", "name")},
    Conversation: {
        "list_display": ("id", "platform_id", "channel", "state", "assignee", "queued_at"),
        "list_filter": ("state", "channel"),
        "search_fields": ("platform_id",),
    },
    Message: {"list_display": ("id", "conversation", "kind", "delivery", "created_at")},
    Contact: {"search_fields": ("platform_id",)},
    OperatorProfile: {"list_display": ("user", "team", "capacity", "presence")},
    Team: {},
    Event: {"list_display": ("id", "type", "audience_user_id", "connection_id", "created_at")},
}

for model, options in RAW_DATA.items():
    if not admin.site.is_registered(model):
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), options))
