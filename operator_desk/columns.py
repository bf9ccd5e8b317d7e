"""Fitting the platform's text into the desk's columns."""

from __future__ import annotations

from django.db import models


def fitted(model: type[models.Model], field: str, text: str) -> str:
    """`text` cut to the length of the column `model.field`. For descriptive text from the
    platform (a name, a channel designation, a status): kept as far as it fits rather than
    refused, since a refused callback is lost. Identifiers are checked at the door instead
    (callbacks/checks.py): a shortened one would name something else."""
    return text[: model._meta.get_field(field).max_length]
