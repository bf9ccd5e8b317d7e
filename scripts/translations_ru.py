# ruff: noqa: E501 (a table of sentences: each pair on its own line reads best)
"""Russian translations of the desk pages (templates and static/desk/js), applied to
locale/ru/LC_MESSAGES/{django,djangojs}.po after `makemessages`, then compiled.

Run: .venv/bin/python scripts/translations_ru.py  (needs `polib`; compiles with polib, so no
gettext tools are needed). The .po and .mo files are committed; this keeps the source of the
wording in one reviewable place.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "ru" / "LC_MESSAGES"

# msgid -> translation; plurals: msgid -> (one, few, many, other)
RU: dict[str, str | tuple[str, str, str, str]] = {
    # pages
    "agent": "агент",
    "supervisor": "супервайзер",
    "admin": "администратор",
    "Administration": "Администрирование",
    "Skip to conversations": "К списку диалогов",
    "Connecting…": "Подключение…",
    "My status": "Мой статус",
    "Online": "В сети",
    "Away": "Отошёл",
    "Alerts": "Оповещения",
    "Quick replies": "Быстрые ответы",
    "Shortcuts": "Клавиши",
    "Sign out": "Выйти",
    "Conversations": "Диалоги",
    "Lists": "Списки",
    "Queue": "Очередь",
    "Mine": "Мои",
    "Open": "Открыть",
    "tab of open conversations\x04Open": "Открытые",
    "Closed": "Закрытые",
    "Load more": "Показать ещё",
    "Conversation": "Диалог",
    "Pick a conversation from the list.": "Выберите диалог в списке.",
    "Press <kbd>?</kbd> for keyboard shortcuts.": "Нажмите <kbd>?</kbd>, чтобы увидеть сочетания клавиш.",
    "Conversation actions": "Действия с диалогом",
    "Claim": "Взять",
    "Transfer": "Передать",
    "Release": "Вернуть в очередь",
    "Send template": "Отправить шаблон",
    "Close": "Закрыть",
    "Messages": "Сообщения",
    "New messages below": "Новые сообщения ниже",
    "Send a template notification": "Отправить уведомление по шаблону",
    "Message type": "Тип сообщения",
    "Reply": "Ответ",
    "Internal note": "Внутренняя заметка",
    "Reply to the contact": "Ответ клиенту",
    "Type a reply — Enter sends, Shift+Enter adds a line, / for canned responses": "Ответ: Enter — отправить, Shift+Enter — новая строка, / — шаблоны",
    "Canned responses": "Шаблоны ответов",
    "Attachments": "Вложения",
    "Attach": "Прикрепить",
    "Send": "Отправить",
    "Contact": "Клиент",
    "No conversation selected.": "Диалог не выбран.",
    "Transfer the conversation": "Передать диалог",
    "To operator": "Оператору",
    "Note for the operator (internal)": "Заметка для оператора (внутренняя)",
    "Cancel": "Отмена",
    "Reach the contact with a template notification": "Связаться с клиентом уведомлением по шаблону",
    "The messaging window has closed, so free text cannot be sent. An approved template can "
    "still reach the contact.": "Окно переписки закрылось, произвольный текст отправить нельзя. Одобренный шаблон всё ещё "
    "может дойти до клиента.",
    "Template": "Шаблон",
    "Fill in": "Заполните",
    "Channels, in order of trying": "Каналы в порядке попыток",
    "Preview": "Предпросмотр",
    "Send notification": "Отправить уведомление",
    "For a new conversation in the queue and a new message in your conversations:": "О новом диалоге в очереди и новом сообщении в ваших диалогах:",
    "Play a sound": "Звуковой сигнал",
    "Show a browser notification": "Уведомление браузера",
    "Count them in the tab title": "Счётчик в заголовке вкладки",
    "Try it": "Проверить",
    "Done": "Готово",
    "Keyboard shortcuts": "Сочетания клавиш",
    "Next conversation": "Следующий диалог",
    "Previous conversation": "Предыдущий диалог",
    "Claim the conversation": "Взять диалог",
    "Close the conversation": "Закрыть диалог",
    "Focus the reply box": "Перейти к полю ответа",
    "Write an internal note": "Написать внутреннюю заметку",
    "Canned responses (in the reply box)": "Шаблоны ответов (в поле ответа)",
    "Send / new line": "Отправить / новая строка",
    "Leave the reply box, close a menu": "Выйти из поля ответа, закрыть меню",
    "This help": "Эта справка",
    "Canned answers of this desk, offered with / in the reply box beside the platform's "
    "templates. #FIRST_NAME# and other #VARIABLES# are filled from the contact.": "Готовые ответы этого пульта: предлагаются по / в поле ответа вместе с шаблонами "
    "платформы. #FIRST_NAME# и другие #ПЕРЕМЕННЫЕ# подставляются из карточки клиента.",
    "Title": "Название",
    "Text": "Текст",
    "New": "Новый",
    "Save": "Сохранить",
    "Language": "Язык",
    "Change language": "Сменить язык",
    "Sign in": "Войти",
    "Your username and password didn't match. Please try again.": "Имя пользователя или пароль не подошли. Попробуйте ещё раз.",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    # the page's modules
    "Test": "Проверка",
    "This is how alerts look and sound.": "Так выглядят и звучат оповещения.",
    "a contact": "клиент",
    "New conversation waiting: %(name)s": "Новый диалог в очереди: %(name)s",
    "Conversation assigned to you: %(name)s": "Вам назначен диалог: %(name)s",
    "Alerts are on": "Оповещения включены",
    "New message from %(name)s": "Новое сообщение: %(name)s",
    "%(n)s new conversation waiting": (
        "%(n)s новый диалог в очереди",
        "%(n)s новых диалога в очереди",
        "%(n)s новых диалогов в очереди",
        "%(n)s новых диалога в очереди",
    ),
    "%(n)s conversation assigned to you": (
        "Вам назначен %(n)s диалог",
        "Вам назначено %(n)s диалога",
        "Вам назначено %(n)s диалогов",
        "Вам назначено %(n)s диалога",
    ),
    "%(n)s new message": (
        "%(n)s новое сообщение",
        "%(n)s новых сообщения",
        "%(n)s новых сообщений",
        "%(n)s новых сообщения",
    ),
    "The desk did not answer. Check the connection and try again.": "Пульт не ответил. Проверьте связь и попробуйте ещё раз.",
    "Unknown channel": "Неизвестный канал",
    "No conversation.": "Нет диалога.",
    "Claim the conversation to reply.": "Чтобы ответить, возьмите диалог.",
    "The conversation is closed.": "Диалог закрыт.",
    "Assigned to %(name)s: you can add internal notes.": "Диалог у оператора %(name)s: можно оставить внутреннюю заметку.",
    "The messaging window closed at %(time)s: the messenger no longer takes free text from the "
    "desk. Reach the contact with an approved template notification instead.": "Окно переписки закрылось в %(time)s: мессенджер больше не принимает произвольный текст. "
    "Свяжитесь с клиентом уведомлением по одобренному шаблону.",
    "The messaging window is closed: the messenger no longer takes free text from the desk. "
    "Reach the contact with an approved template notification instead.": "Окно переписки закрыто: мессенджер больше не принимает произвольный текст. Свяжитесь "
    "с клиентом уведомлением по одобренному шаблону.",
    "Internal note for operators": "Внутренняя заметка для операторов",
    "Internal note — only operators see it. Enter saves it.": "Внутренняя заметка — её видят только операторы. Enter — сохранить.",
    "Add note": "Добавить заметку",
    "No canned response matches.": "Подходящих шаблонов нет.",
    "Quick reply": "Быстрый ответ",
    "Fill in %(names)s before sending.": "Перед отправкой заполните %(names)s.",
    "Internal notes cannot carry files.": "К внутренней заметке нельзя прикрепить файл.",
    "Messages on this channel cannot carry attachments, so %(name)s was not added.": "В этом канале сообщения не могут содержать вложения, поэтому %(name)s не добавлен.",
    "Messages on this channel take at most %(n)s attachment(s); %(name)s was not added.": "В этом канале не больше %(n)s вложений в сообщении; %(name)s не добавлен.",
    "%(name)s is %(size)s MB; the platform takes at most %(max)s MB per file.": "%(name)s весит %(size)s МБ; платформа принимает файлы не больше %(max)s МБ.",
    "Messages on this channel take only images; %(name)s is not one.": "В этом канале можно отправить только изображение; %(name)s — не изображение.",
    "%(name)s could not be uploaded: %(reason)s": "Не удалось загрузить %(name)s: %(reason)s",
    "uploading…": "загрузка…",
    "failed": "ошибка",
    "Remove": "Убрать",
    "Remove %(name)s": "Убрать %(name)s",
    "Wait until the files are uploaded.": "Дождитесь окончания загрузки файлов.",
    "Note added.": "Заметка добавлена.",
    "Reply queued.": "Ответ поставлен в очередь на отправку.",
    "Unknown contact": "Неизвестный клиент",
    "Identifiers": "Идентификаторы",
    "Phone": "Телефон",
    "None known.": "Неизвестны.",
    "Channel profiles": "Профили в каналах",
    "Variables": "Переменные",
    "No variables set.": "Переменные не заданы.",
    "Earlier conversations": "Прошлые диалоги",
    "This is the first one.": "Это первый диалог.",
    "Loading operators…": "Загрузка операторов…",
    "online": "в сети",
    "away": "отошёл",
    "offline": "не в сети",
    "No other operator.": "Других операторов нет.",
    "There is no approved template to send.": "Нет одобренных шаблонов для отправки.",
    "Fill in %(names)s first.": "Сначала заполните %(names)s.",
    "Choose at least one channel.": "Выберите хотя бы один канал.",
    "The browser blocks notifications for this site; allow them in its site settings.": "Браузер блокирует уведомления этого сайта; разрешите их в настройках сайта.",
    "The browser will ask for permission.": "Браузер спросит разрешение.",
    "This browser cannot show notifications.": "Этот браузер не умеет показывать уведомления.",
    "No quick replies yet.": "Быстрых ответов пока нет.",
    "Edit": "Изменить",
    "Delete": "Удалить",
    "No conversations waiting.": "В очереди нет диалогов.",
    "You have no open conversations.": "У вас нет открытых диалогов.",
    "No open conversations.": "Открытых диалогов нет.",
    "No closed conversations yet.": "Закрытых диалогов пока нет.",
    "You: ": "Вы: ",
    "(attachment)": "(вложение)",
    "Waiting": "Ждёт",
    "Last activity": "Последняя активность",
    "waiting": "ждёт",
    "%(n)s unread message": (
        "%(n)s непрочитанное сообщение",
        "%(n)s непрочитанных сообщения",
        "%(n)s непрочитанных сообщений",
        "%(n)s непрочитанных сообщения",
    ),
    "In queue": "В очереди",
    "conversation state\x04Closed": "Закрыт",
    "Assigned": "Назначен",
    "Window expired": "Окно истекло",
    "The conversation went to %(name)s.": "Диалог передан оператору %(name)s.",
    "The conversation is now with %(name)s.": "Теперь диалог у оператора %(name)s.",
    "The conversation is no longer yours.": "Диалог больше не ваш.",
    "Live": "На связи",
    "Reconnecting in %(s)s s…": "Переподключение через %(s)s с…",
    "Reconnecting…": "Переподключение…",
    "Offline": "Нет связи",
    "Back online; %(n)s update caught up.": (
        "Связь восстановлена; получено %(n)s обновление.",
        "Связь восстановлена; получено %(n)s обновления.",
        "Связь восстановлена; получено %(n)s обновлений.",
        "Связь восстановлена; получено %(n)s обновления.",
    ),
    "Back online.": "Связь восстановлена.",
    "Claimed.": "Диалог взят.",
    "Back in the queue.": "Диалог возвращён в очередь.",
    "Conversation closed.": "Диалог закрыт.",
    "You are away.": "Вы отошли.",
    "You are online.": "Вы в сети.",
    "Queued": "В очереди на отправку",
    "Sending": "Отправляется",
    "Checking with the platform": "Проверяем на платформе",
    "Sent": "Отправлено",
    "Sent, status unknown": "Отправлено, статус неизвестен",
    "Delivered": "Доставлено",
    "Read": "Прочитано",
    "Not sent": "Не отправлено",
    "Rejected": "Отклонено",
    "Undelivered": "Не доставлено",
    "Expired": "Истекло",
    "Error": "Ошибка",
    "Blocked by the user": "Пользователь заблокировал канал",
    "attachment": "вложение",
    "You": "Вы",
    "Operator": "Оператор",
    "Internal note · %(name)s": "Внутренняя заметка · %(name)s",
    "Bot": "Бот",
    "The messenger rejected the message.": "Мессенджер отклонил сообщение.",
    "The messenger could not deliver it.": "Мессенджер не смог его доставить.",
    "It was not delivered in time.": "Не доставлено вовремя.",
    "The platform reported an error.": "Платформа сообщила об ошибке.",
    "The user has blocked the channel.": "Пользователь заблокировал канал.",
    "Retry": "Повторить",
    "Send again": "Отправить снова",
    "Sent to the platform": "Передано платформе",
    "Not delivered": "Не доставлено",
    "Template notification · %(name)s": "Уведомление по шаблону · %(name)s",
    "Loading…": "Загрузка…",
    "Assigned to %(name)s": "Назначен: %(name)s",
    "you": "вы",
    "Not assigned": "Не назначен",
    "Bot conversation before the hand-over": "Переписка с ботом до передачи оператору",
    "Handed to an operator · %(time)s": "Передан оператору · %(time)s",
    "New messages": "Новые сообщения",
    "window closed": "окно закрыто",
    "%(time)s left": "осталось %(time)s",
    "Messaging window: %(time)s left": "Окно переписки: осталось %(time)s",
    "Messaging window closed": "Окно переписки закрыто",
    "%(h)s h %(m)s min": "%(h)s ч %(m)s мин",
    "just now": "только что",
    "%(n)s min": "%(n)s мин",
    "%(n)s h": "%(n)s ч",
    "%(n)s d": "%(n)s дн",
    # sign-in lockouts (operators/sign_in.py)
    "Too many failed sign-ins from your network: signing in from it is paused for "
    "%(minutes)s more minute. An admin can lift the pause sooner.": (
        "Слишком много неудачных попыток входа из вашей сети: вход из неё приостановлен ещё на "
        "%(minutes)s минуту. Администратор может снять ограничение раньше.",
        "Слишком много неудачных попыток входа из вашей сети: вход из неё приостановлен ещё на "
        "%(minutes)s минуты. Администратор может снять ограничение раньше.",
        "Слишком много неудачных попыток входа из вашей сети: вход из неё приостановлен ещё на "
        "%(minutes)s минут. Администратор может снять ограничение раньше.",
        "Слишком много неудачных попыток входа из вашей сети: вход из неё приостановлен ещё на "
        "%(minutes)s минуты. Администратор может снять ограничение раньше.",
    ),
    "Too many failed sign-ins: this account is locked for %(minutes)s more minute. "
    "An admin can unlock it sooner.": (
        "Слишком много неудачных попыток входа: учётная запись заблокирована ещё на "
        "%(minutes)s минуту. Администратор может разблокировать её раньше.",
        "Слишком много неудачных попыток входа: учётная запись заблокирована ещё на "
        "%(minutes)s минуты. Администратор может разблокировать её раньше.",
        "Слишком много неудачных попыток входа: учётная запись заблокирована ещё на "
        "%(minutes)s минут. Администратор может разблокировать её раньше.",
        "Слишком много неудачных попыток входа: учётная запись заблокирована ещё на "
        "%(minutes)s минуты. Администратор может разблокировать её раньше.",
    ),
}


def apply(domain: str) -> list[str]:
    path = LOCALE / f"{domain}.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        value = RU.get(f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid)
        if value is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            forms = value if isinstance(value, tuple) else (value,) * 4
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = value if isinstance(value, str) else value[0]
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    po.save(str(path))
    po.save_as_mofile(str(path.with_suffix(".mo")))
    return missing


if __name__ == "__main__":
    for domain in ("django", "djangojs"):
        left = apply(domain)
        print(f"{domain}: {'all translated' if not left else 'untranslated: ' + repr(left)}")
