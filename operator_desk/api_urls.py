from django.urls import path

from conversations import api as conversations
from desk import api as desk
from outreach import api as outreach
from search import api as search

urlpatterns = [
    path("session", desk.session),
    path("operators", desk.operator_list),
    path("presence", desk.presence),
    path("templates", desk.templates),
    path("quick-replies", desk.quick_reply_list),
    path("quick-replies/<int:reply_id>", desk.quick_reply_detail),
    path("labels", conversations.label_list),
    path("conversations", conversations.conversation_list),
    path("conversations/bulk", conversations.conversation_bulk),
    path("conversations/<int:conversation_id>", desk.conversation_detail),
    path("conversations/<int:conversation_id>/claim", conversations.conversation_claim),
    path("conversations/<int:conversation_id>/release", conversations.conversation_release),
    path("conversations/<int:conversation_id>/close", conversations.conversation_close),
    path("conversations/<int:conversation_id>/transfer", conversations.conversation_transfer),
    path("conversations/<int:conversation_id>/snooze", conversations.conversation_snooze),
    path("conversations/<int:conversation_id>/unsnooze", conversations.conversation_unsnooze),
    path("conversations/<int:conversation_id>/replies", conversations.reply_create),
    path("conversations/<int:conversation_id>/notes", conversations.note_create),
    path("conversations/<int:conversation_id>/labels", conversations.conversation_label_add),
    path(
        "conversations/<int:conversation_id>/labels/<int:label_id>",
        conversations.conversation_label_remove,
    ),
    path("conversations/<int:conversation_id>/priority", conversations.conversation_priority),
    path("conversations/<int:conversation_id>/read", desk.conversation_read),
    path("conversations/<int:conversation_id>/notify", outreach.conversation_notify),
    path("messages/<int:message_id>/retry", conversations.reply_retry),
    path("mentions", conversations.mention_list),
    path("mentions/read", conversations.mentions_read),
    path("uploads", conversations.upload),
    path("search", search.search),
]
