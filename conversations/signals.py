"""What conversations tell other apps without knowing them (they connect in their AppConfig).

`reply_identified`: the platform took an operator reply and gave its messageId, which statuses
name. Sent inside the transaction that stores the id, with the reply's row locked, before the
id is saved; receivers act in that transaction. Arguments: `conversation_platform_id`,
`platform_message_id`. The callbacks app releases the statuses that arrived before the id
(callbacks/release.py).
"""

from django.dispatch import Signal

reply_identified = Signal()
