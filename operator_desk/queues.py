"""The desk's task queues (django-tasks, database backend, run by `manage.py db_worker`).

Operator replies have a queue of their own, served by workers that run nothing else
(`db_worker --queue-name replies`), so no amount of background work, such as a burst of
hand-overs loading their bot history, can hold a reply back. Everything else runs on the
background workers (`db_worker --queue-name background,default`), which also drain `default`:
the one queue of versions before the split, and where a task that names no queue lands.
"""

REPLIES = "replies"
BACKGROUND = "background"
LEGACY = "default"

ALL = (REPLIES, BACKGROUND, LEGACY)
