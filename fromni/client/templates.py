"""The Templates section: templates, their channel registrations, and template groups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..models import Id, Page, Template, TemplateChannel, TemplateGroup
from . import bodies
from .answers import Answers
from .paging import Paging


class TemplateMethods(Answers, Paging):
    def templates_list(
        self,
        offset: int = 0,
        limit: int = 10,
        order: Sequence[Sequence[str]] | None = None,
    ) -> Page[Template]:
        body = bodies.compact(
            {**bodies.paging(offset, limit, "templates_list"), "order": bodies.order(order)}
        )
        return self._page("templates_list", body, Template)

    def iter_templates(self, *, page_size: int = 100, **kwargs: Any) -> Iterator[Template]:
        """All templates, page by page."""
        return self.iterate(self.templates_list, page_size=page_size, **kwargs)

    def templates_create(
        self,
        text: str,
        *,
        display_name: str | None = None,
        name: str | None = None,
        channels: Sequence[str | Mapping[str, Any]] | None = None,
    ) -> Template:
        """Create a template; `channels` items are designations or {"channel", "keyboard"...}."""
        body = bodies.compact(
            {
                "displayName": display_name,
                "text": text,
                "name": name,
                "channels": (
                    [{"channel": c} if isinstance(c, str) else dict(c) for c in channels]
                    if channels is not None
                    else None
                ),
            }
        )
        return self._one("templates_create", body, Template)

    def templates_update(self, template_id: Id, text: str) -> None:
        self._ok("templates_update", {"id": template_id, "text": text})

    def templates_channel_add(
        self, template_id: Id, channel: str | Mapping[str, Any]
    ) -> TemplateChannel:
        """Register the template in a channel ("telegram" or {"channel": ..., options})."""
        spec = {"channel": channel} if isinstance(channel, str) else dict(channel)
        body = {"templateId": template_id, "channel": spec}
        return self._one("templates_channel_add", body, TemplateChannel)

    def templates_channel_delete(self, template_id: Id, channel: str) -> None:
        self._ok("templates_channel_delete", {"templateId": template_id, "channel": channel})

    def template_groups_create(self, name: str, templates: Sequence[Id]) -> TemplateGroup:
        body = {"name": name, "templates": list(templates)}
        return self._one("template_groups_create", body, TemplateGroup)

    def template_groups_add(self, template_id: Id, template_group_id: Id) -> None:
        body = {"templateId": template_id, "templateGroupId": template_group_id}
        self._ok("template_groups_add", body)

    def template_groups_remove(self, template_id: Id) -> None:
        self._ok("template_groups_remove", {"templateId": template_id})

    def templates_delete(self, template_id: Id) -> None:
        self._ok("templates_delete", {"templateId": template_id})
