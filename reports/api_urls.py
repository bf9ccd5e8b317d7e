from django.urls import path

from reports import api

urlpatterns = [
    path("dashboard", api.dashboard),
    path("period", api.period),
    path("conversations/<int:conversation_id>/take-over", api.take_over),
]
