"""Signed-in test clients of the JSON API (plain helpers, no fixtures)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def posted(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")
