"""Websocket routes of the desk, mounted by operator_desk/asgi.py: the operators' socket
(desk/consumers.py)."""

from django.urls import path

from desk.consumers import DeskConsumer

websocket_urlpatterns = [path("ws/desk/", DeskConsumer.as_asgi())]
