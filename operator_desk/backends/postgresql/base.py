from django.db.backends.postgresql import base

from operator_desk.backends import BeforeCommitHooks


class DatabaseWrapper(BeforeCommitHooks, base.DatabaseWrapper):
    pass
