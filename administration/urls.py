"""The admin pages, mounted at /admin/ (Django's own admin is at /django-admin/)."""

from django.urls import path

from administration import lockout_views, probe_views, views

app_name = "administration"

urlpatterns = [
    path("", views.index, name="index"),
    path("account", views.account, name="account"),
    path("account/test", views.account_test, name="account-test"),
    path("account/probe", probe_views.account_probe, name="account-probe"),
    path("callback", views.callback, name="callback"),
    path("callback/register", views.callback_register, name="callback-register"),
    path("callback/rotate", views.callback_rotate, name="callback-rotate"),
    path("connections", views.connections, name="connections"),
    path("connections/<int:platform_id>", views.connection_detail, name="connection"),
    path("templates", views.templates, name="templates"),
    path("templates/groups", views.template_group_create, name="template-group-create"),
    path("templates/<int:template_id>", views.template_detail, name="template"),
    path(
        "templates/<int:template_id>/channels",
        views.template_channel_add,
        name="template-channel-add",
    ),
    path(
        "templates/<int:template_id>/channels/<str:channel>/delete",
        views.template_channel_remove,
        name="template-channel-remove",
    ),
    path("templates/<int:template_id>/group", views.template_group_add, name="template-group-add"),
    path(
        "templates/<int:template_id>/group/remove",
        views.template_group_remove,
        name="template-group-remove",
    ),
    path("templates/<int:template_id>/delete", views.template_delete, name="template-delete"),
    path("operators", views.operators, name="operators"),
    path("operators/lockouts/unlock", lockout_views.lockout_lift, name="lockout-lift"),
    path("operators/<int:user_id>", views.operator_detail, name="operator"),
    path(
        "operators/<int:user_id>/deactivate",
        views.operator_deactivate,
        name="operator-deactivate",
    ),
    path(
        "operators/<int:user_id>/reactivate",
        views.operator_reactivate,
        name="operator-reactivate",
    ),
    path("operators/<int:user_id>/password", views.operator_password, name="operator-password"),
    path("teams", views.team_create, name="team-create"),
    path("teams/<int:team_id>/delete", views.team_delete, name="team-delete"),
    path("audit", views.audit, name="audit"),
]
