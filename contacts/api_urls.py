from django.urls import path

from contacts import api

urlpatterns = [
    path("", api.contact_list, name="contacts-api-list"),
    path("<int:contact_id>", api.contact_profile, name="contacts-api-profile"),
    path("<int:contact_id>/deals", api.contact_deals, name="contacts-api-deals"),
    path("<int:contact_id>/identifiers", api.contact_identifiers),
    path("<int:contact_id>/variables", api.contact_variables),
    path("variables", api.variables),
    path("variables/<int:variable_id>", api.variable_delete),
    path("panel/<int:conversation_id>", api.contact_panel),
]
