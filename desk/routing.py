"""Websocket routes of the desk."""

from django.urls import path

from realtime.consumers import DeskConsumer

websocket_urlpatterns = [path("ws/desk/", DeskConsumer.as_asgi())]
