"""What conversations tell other apps without knowing them (they connect in their AppConfig).

`reply_identified`: the platform took operator replies and gave their messageIds, which
statuses name. Sent inside the transaction that stores the ids, with the replies' rows locked,
before the ids are saved; receivers act in that transaction. Argument: `replies`, a list of
(conversation platform id, platform message id) pairs: a worker records a batch of answers in
one transaction, and the release is one statement for all of them. The callbacks app releases
the statuses that arrived before the ids (callbacks/release.py).
"""

from django.dispatch import Signal

reply_identified = Signal()
