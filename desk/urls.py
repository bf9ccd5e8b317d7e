from django.urls import path
from django.views.i18n import JavaScriptCatalog

from desk import preferences, views

app_name = "desk"

urlpatterns = [
    path("", views.desk_index, name="index"),
    # The same page with a conversation open: the page reads the id from its address.
    path("c/<int:conversation_id>", views.desk_index, name="conversation"),
    path("settings", preferences.my_settings, name="my-settings"),
    # gettext() for the page's modules, as a script of the desk's own (the CSP allows no inline).
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
