"""Django's own admin (/django-admin/, the desk admins' raw data) in Russian: Django translates
its own chrome, the desk must translate the names it gives its apps, models and fields, or a
Russian-speaking admin reads "Audit entries" and "First received at" among Russian words.

Every name the admin shows for the desk's own apps and for each model registered in
administration/admin.py (list columns and filters, and the fields of the detail page) must
read in Russian; the pages themselves are checked for a few of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import AppConfig, apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.text import capfirst

from audit.models import AuditEntry
from contacts.models import Contact
from conversations.models import Conversation

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
# What Russian writes in Latin letters too: Django's name of every primary key, brands.
LATIN_IN_RUSSIAN = re.compile(r"\b(?:ID|Telegram|Viber|Facebook|Instagram)\b")


def desk_apps() -> list[AppConfig]:
    """The project's own apps (not Django's, nor a library's)."""
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    ]


def desk_models() -> list[type[Model]]:
    """The models of the desk's apps registered in Django's admin."""
    labels = {config.label for config in desk_apps()}
    return [model for model in admin.site._registry if model._meta.app_label in labels]


def shown_labels(model: type[Model], admin_user: User) -> Iterator[tuple[str, str]]:
    """(where, label) for each name the admin shows for a model: its names, its list's columns
    and filters, and every field of its detail page."""
    model_admin = admin.site._registry[model]
    yield "verbose_name", str(model._meta.verbose_name)
    yield "verbose_name_plural", str(model._meta.verbose_name_plural)
    for name in model_admin.list_display:
        yield f"column {name}", str(label_for_field(name, model, model_admin))
    for name in model_admin.list_filter:
        field = model._meta.get_field(name)
        yield f"filter {name}", str(field.verbose_name)
        for value, label in field.flatchoices:
            yield f"filter {name}={value}", str(label)
    request = RequestFactory().get("/")
    request.user = admin_user
    for name in model_admin.get_fields(request):
        yield f"detail {name}", str(label_for_field(name, model, model_admin))


def english(text: str) -> bool:
    """No Russian word in it, and more than names Russian writes in Latin letters."""
    return not CYRILLIC.search(text) and bool(LATIN_IN_RUSSIAN.sub("", text).strip())


def test_the_desk_apps_are_named_in_russian():
    with translation.override("ru"):
        left = [config.label for config in desk_apps() if english(str(config.verbose_name))]
    assert not left, f"apps without a Russian verbose_name: {left}"


def test_every_name_the_admin_shows_for_the_desk_models_is_russian(admin_user):
    assert desk_models(), "administration/admin.py registers the desk's models"
    with translation.override("ru"):
        left = [
            f"{model._meta.label} {where}: {label!r}"
            for model in desk_models()
            for where, label in shown_labels(model, admin_user)
            if english(label)
        ]
    assert not left, "English in the Russian admin:\n" + "\n".join(left)


@pytest.fixture
def russian_admin(admin_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(admin_user)
    return client


def _english_names(*models: type[Model]) -> list[str]:
    with translation.override("en"):
        names = [str(config.verbose_name) for config in desk_apps()]
        names += [capfirst(str(model._meta.verbose_name_plural)) for model in models]
    return names


@pytest.mark.django_db
def test_the_admin_index_names_apps_and_models_in_russian(russian_admin):
    page = russian_admin.get("/django-admin/").content.decode()
    with translation.override("ru"):
        for config in desk_apps():
            if any(m._meta.app_label == config.label for m in desk_models()):
                assert str(config.verbose_name) in page
        for model in desk_models():
            assert capfirst(str(model._meta.verbose_name_plural)) in page
    for name in _english_names(*desk_models()):
        assert f">{name}<" not in page, name
    assert "Журнал аудита" in page and "Записи журнала аудита" in page
    assert ">Audit<" not in page and "Audit entries" not in page


@pytest.mark.django_db
def test_a_changelist_has_russian_columns_and_filters(russian_admin, admin_user):
    AuditEntry.objects.create(actor=admin_user, action="team.create", target="team:1")
    page = russian_admin.get("/django-admin/audit/auditentry/").content.decode()
    for russian in ("Журнал аудита", "Записи журнала аудита", "Когда", "Кто", "Действие", "Объект"):
        assert russian in page, russian
    for english in ("Audit entries", ">At<", ">Actor<", ">Action<", ">Target<", "By action"):
        assert english not in page, english


@pytest.mark.django_db
def test_the_conversation_list_and_detail_speak_russian(russian_admin, queued_conversation):
    changelist = russian_admin.get("/django-admin/conversations/conversation/").content.decode()
    for russian in ("Диалоги", "Состояние", "Канал", "Оператор", "В очереди с"):
        assert russian in changelist, russian
    for english in (">Conversations<", ">State<", ">Channel<", ">Assignee<", ">Queued at<"):
        assert english not in changelist, english
    url = f"/django-admin/conversations/conversation/{queued_conversation.pk}/change/"
    detail = russian_admin.get(url).content.decode()
    for russian in ("Клиент", "Подключение", "Приоритет", "ID на платформе"):
        assert russian in detail, russian
    for english in ("Contact:", "Connection:", "Priority:", "Platform id:"):
        assert english not in detail, english


@pytest.fixture
def queued_conversation(db) -> Conversation:
    contact = Contact.objects.create(platform_id="c1", name="Ivan")
    return Conversation.objects.create(platform_id="d1", contact=contact, channel="telegram")
