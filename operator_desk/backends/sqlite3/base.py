from django.db.backends.sqlite3 import base

from operator_desk.backends import BeforeCommitHooks


class DatabaseWrapper(BeforeCommitHooks, base.DatabaseWrapper):
    pass
