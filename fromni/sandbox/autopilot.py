"""The autopilot: made-up users who start dialogs on their own, for demos and load.

N dialogs a minute (scaled): each user writes a first message, the bot hands the dialog to an
operator (`conversation_operator_requested`), then the user writes 1-3 more messages a few
seconds apart (`conversation_message_created`), now and then with a photo from the storage.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable

from .app import Sandbox
from .dialogs import contact_for, default_history, open_dialog, pick_connection, user_writes
from .state import PlatformState
from .storage import store_file

log = logging.getLogger(__name__)

# Channels on which users chat with a bot (SMS and Notify are one-way).
DIALOG_CHANNELS = ("telegram", "whatsapp-business", "vk", "viber-bots", "webchat")
FIRST_MESSAGES = (
    "Hello! Where is my order?",
    "Hi, I want to return a jacket I bought last week.",
    "Good afternoon, can I change the delivery address?",
    "My payment went through twice, please help.",
    "Is the blue kettle back in stock?",
)
FOLLOW_UPS = (
    "The order number is 10{n:04d}.",
    "I have been waiting for a week already.",
    "Can you call me back?",
    "Thanks!",
    "Here is a photo of the receipt.",
    "Hello? Is anyone there?",
)
FOLLOW_UP_GAP_SECONDS = (2.0, 6.0)
PHOTO_CHANCE = 0.2
# A 1x1 PNG: enough for an attachment the desk can fetch from the storage.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class Autopilot:
    def __init__(self, sb: Sandbox, per_minute: float) -> None:
        self._sb = sb
        self._interval = sb.scaled(60.0 / per_minute)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-autopilot", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End the loop (at once, however long its interval) and wait for a dialog it is
        starting; call it before stopping the sandbox, whose scheduler the dialog needs."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.start_dialog()
            except Exception:
                log.exception("autopilot could not start a dialog")

    def start_dialog(self) -> str:
        sb, rng = self._sb, self._sb.rng
        with sb.transaction() as state:
            conn = pick_connection(state, rng.choice(DIALOG_CHANNELS), None)
            person = contact_for(sb, state, conn.channel, None)
            history = default_history(rng.choice(FIRST_MESSAGES))
            conv_id = open_dialog(sb, state, conn, person, history=history).id
        delay = 0.0
        for _ in range(rng.randint(1, 3)):
            delay += rng.uniform(*FOLLOW_UP_GAP_SECONDS)
            text = rng.choice(FOLLOW_UPS).format(n=rng.randrange(10_000))
            with_photo = rng.random() < PHOTO_CHANCE
            sb.later(delay, self._follow_up(conv_id, text, with_photo))
        return conv_id

    def _follow_up(
        self, conv_id: str, text: str, with_photo: bool
    ) -> Callable[[PlatformState], None]:
        def job(state: PlatformState) -> None:
            conv = state.conversations.get(conv_id)
            if conv is None:  # forgotten by a reset
                return
            attachments = []
            if with_photo:
                url = store_file(self._sb, PNG, "photo.png", "image/png", self._sb.public_url)
                attachments.append({"type": "image", "url": url, "name": "photo.png"})
            user_writes(self._sb, conv, text, attachments)

        return job
