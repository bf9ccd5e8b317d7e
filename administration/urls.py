"""The admin pages, mounted at /admin/ (Django's own admin is at /django-admin/)."""

from django.urls import path

from administration.views import (
    account,
    audit,
    callbacks,
    connections,
    desk_settings,
    labels,
    operators,
    overview,
    templates,
)

app_name = "administration"

urlpatterns = [
    path("", overview.index, name="index"),
    path("account", account.account, name="account"),
    path("account/test", account.account_test, name="account-test"),
    path("account/probe", account.account_probe, name="account-probe"),
    path("callback", callbacks.callback, name="callback"),
    path("callback/register", callbacks.callback_register, name="callback-register"),
    path("callback/rotate", callbacks.callback_rotate, name="callback-rotate"),
    path("connections", connections.connections, name="connections"),
    path("connections/<int:platform_id>", connections.connection_detail, name="connection"),
    path("templates", templates.templates, name="templates"),
    path("templates/groups", templates.template_group_create, name="template-group-create"),
    path("templates/<int:template_id>", templates.template_detail, name="template"),
    path(
        "templates/<int:template_id>/channels",
        templates.template_channel_add,
        name="template-channel-add",
    ),
    path(
        "templates/<int:template_id>/channels/<str:channel>/delete",
        templates.template_channel_remove,
        name="template-channel-remove",
    ),
    path(
        "templates/<int:template_id>/group", templates.template_group_add, name="template-group-add"
    ),
    path(
        "templates/<int:template_id>/group/remove",
        templates.template_group_remove,
        name="template-group-remove",
    ),
    path("templates/<int:template_id>/delete", templates.template_delete, name="template-delete"),
    path("operators", operators.operators, name="operators"),
    path("operators/lockouts/unlock", operators.lockout_lift, name="lockout-lift"),
    path("operators/<int:user_id>", operators.operator_detail, name="operator"),
    path(
        "operators/<int:user_id>/deactivate",
        operators.operator_deactivate,
        name="operator-deactivate",
    ),
    path(
        "operators/<int:user_id>/reactivate",
        operators.operator_reactivate,
        name="operator-reactivate",
    ),
    path("operators/<int:user_id>/password", operators.operator_password, name="operator-password"),
    path("teams", operators.team_create, name="team-create"),
    path("teams/<int:team_id>/delete", operators.team_delete, name="team-delete"),
    path("labels", labels.labels, name="labels"),
    path("labels/<int:label_id>", labels.label_detail, name="label"),
    path("labels/<int:label_id>/delete", labels.label_delete, name="label-delete"),
    path("audit", audit.audit, name="audit"),
    path("time-zone", desk_settings.time_zone, name="time-zone"),
]
