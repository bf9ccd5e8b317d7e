from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("export.csv", views.contact_export, name="export"),
    path("variables/", views.variables, name="variables"),
    path("variables/<int:variable_id>/delete", views.variable_delete, name="variable-delete"),
    path("<int:contact_id>/", views.contact_profile, name="profile"),
    path("<int:contact_id>/identifiers", views.contact_identifiers, name="identifiers"),
    path("<int:contact_id>/variables", views.contact_variables, name="set-variables"),
    path("platform/<str:platform_id>/", views.contact_by_platform_id, name="by-platform-id"),
]
