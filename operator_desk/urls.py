from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from callbacks.views import fromni_callback
from desk.preferences import language_set
from operator_desk.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("fromni/callback/", fromni_callback, name="fromni-callback"),
    # The same route without its slash, never a redirect: the platform counts a 301 as
    # delivered, so a callback URL registered without the slash would lose every callback.
    path("fromni/callback", fromni_callback),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/contacts/", include("contacts.api_urls")),
    path("api/admin/", include("administration.api_urls")),
    path("api/reports/", include("reports.api_urls")),
    path("api/", include("operator_desk.api_urls")),
    path("contacts/", include("contacts.urls")),
    path("admin/", include("administration.urls")),
    path("reports/", include("reports.urls")),
    # Django's set_language, which also keeps a signed-in operator's choice in their profile.
    path("i18n/setlang/", language_set, name="set_language"),
    path("django-admin/", admin.site.urls),
    path("", include("desk.urls")),
]
