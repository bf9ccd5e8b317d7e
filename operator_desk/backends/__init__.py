"""Django's database backends, plus hooks that run inside a transaction just before it commits.

`transaction.on_commit` runs after the commit, too late to write anything in the transaction.
Some work belongs at its very end: the events a transaction emits are numbered there, so the
event counter is the last lock every transaction takes (realtime/services.py) and is held only
for the moment of the commit. `operator_desk.db.before_commit` registers such a hook.

ENGINE is `operator_desk.backends.postgresql` or `operator_desk.backends.sqlite3` (the settings
map the DATABASE_URL's engine onto them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.transaction import TransactionManagementError


class BeforeCommitHooks:
    """A mixin for a DatabaseWrapper. Hooks run in the order they were registered (a hook may
    register more: they run after it); those registered inside a savepoint that is rolled back
    are dropped, as Django drops on_commit callbacks. A test case's transaction never commits:
    there they run as the outermost block of the code under test ends (Django draws the same
    line for `atomic(durable=True)`).

    `before_commit_state` is for the hooks of one commit to share (e.g. to gather what each
    registered and write it in one statement); it is emptied when they have run, or when the
    transaction rolls back."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.run_before_commit: list[tuple[set[str], Callable[[], None]]] = []
        self.before_commit_state: dict[str, Any] = {}

    def before_commit(self, func: Callable[[], None]) -> None:
        if not self.in_atomic_block:
            raise TransactionManagementError("before_commit() needs a transaction (atomic).")
        if self._in_test_case_block_only():
            func()  # registered by the test itself: nothing under test will end the block
            return
        self.run_before_commit.append((set(self.savepoint_ids), func))

    def _in_test_case_block_only(self) -> bool:
        return bool(self.atomic_blocks) and all(
            getattr(block, "_from_testcase", False) for block in self.atomic_blocks
        )

    def _run_before_commit_hooks(self) -> None:
        try:
            while self.run_before_commit:
                hooks, self.run_before_commit = self.run_before_commit, []
                for _, func in hooks:
                    func()
        finally:
            self.before_commit_state = {}

    def commit(self) -> None:
        if self.run_before_commit:
            # Atomic.__exit__ has left the block already: the hooks run in the transaction all
            # the same, and the ORM and on_commit must see it open.
            self.in_atomic_block = True
            try:
                self._run_before_commit_hooks()
            except BaseException:
                self.in_atomic_block = False
                # Atomic rolls back only after a DatabaseError; nothing may commit either way.
                self.rollback()
                raise
            self.in_atomic_block = False
        super().commit()

    def savepoint_commit(self, sid: str) -> None:
        if self.run_before_commit and self._in_test_case_block_only():
            self._run_before_commit_hooks()
        super().savepoint_commit(sid)

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)
        self.run_before_commit = [
            (sids, func) for sids, func in self.run_before_commit if sid not in sids
        ]

    def rollback(self) -> None:
        self.run_before_commit, self.before_commit_state = [], {}
        super().rollback()

    def close(self) -> None:
        self.run_before_commit, self.before_commit_state = [], {}
        super().close()
