"""Websocket routes of the desk."""

websocket_urlpatterns: list = []
