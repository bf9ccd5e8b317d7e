"""Mutated callback bodies for the fuzz tests, and what the desk made of each.

A body starts as one of the platform's samples (or a dialog's hand-over, message or status),
signed, and gets one or two mutations: a value replaced by something hostile, a key removed, an
unknown field added, the kind, the data or the secret replaced, a value buried in nesting; one
body in ten is then spoiled as bytes (cut short, a byte changed, brackets in front).

Two drivers make the same mutations: `mutated_bodies` (a hypothesis strategy, which shrinks a
failing body, for the HTTP-level sample) and `seeded_bodies` (plain `random`, seeded: body n of
a run is always the same body, cheap enough for tens of thousands through the intake).
"""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import strategies as st

from callbacks.intake import callback_intake
from callbacks.models import CallbackRecord
from callbacks.services import callbacks_apply_pending
from fromni.callbacks import KINDS as CALLBACK_KINDS
from tests.support.fixtures import handover, incoming, sample, signed, status_update


@functools.cache
def _seeds() -> str:
    return json.dumps(
        [
            *(signed(sample(kind)) for kind in CALLBACK_KINDS),
            # A dialog of its own, so that mutated messages and statuses reach a known dialog.
            signed(handover("fuzz-dialog", expires_in=3600)),
            signed(incoming("fuzz-dialog", "hello")),
            signed(status_update("fuzz-dialog", 1, "read")),
        ]
    )


def seed(n: int) -> dict[str, Any]:
    """A fresh copy of seed body n (modulo their number)."""
    bodies = json.loads(_seeds())
    return bodies[n % len(bodies)]


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


HOSTILE = [
    None,
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-1",
    "0",
    "7",
    "1.5",
    "1e400",
    "12abc",
    "2021-13-45T25:61:00Z",
    "not a date",
    "2021-04-09T09:55:09.782Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "\ud800",
    "a\udfffb",
    "a\x00b",
    "x" * 300,
    "ы" * 70,
    "\u202e\u0301\ufeff",
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    2**64,
    -(2**63) - 1,
    10**30,
    1.5,
    -0.0,
    1e308,
    [],
    {},
    [None],
    {"": None},
    {"id": None},
    [{"id": "\ud800"}],
    ["https://example.com/a.png"],
]


# --- the mutations -----------------------------------------------------------------------------

# A path is followed by index: at each level the n-th key (sorted) or item, modulo their number.


def _walk(body: Any, path: list[int]) -> tuple[Any, Any] | None:
    """The container and the key or index the path ends at, or None if nothing is there."""
    node, place = None, None
    for step in path:
        current = body if node is None else node[place]
        if isinstance(current, dict) and current:
            node, place = current, sorted(current)[step % len(current)]
        elif isinstance(current, list) and current:
            node, place = current, step % len(current)
        else:
            break
    return None if node is None else (node, place)


def _inside_data(mutate: Callable[[Any, list[int], Any], Any]):
    """Set, remove and extra work inside `data`: the top-level keys (kind, secret, data) have
    mutations of their own."""

    def inside(body: Any, path: list[int], value: Any = None) -> Any:
        if not (isinstance(body, dict) and "data" in body):
            return mutate(body, path, value)
        wrapper = mutate({"data": body["data"]}, path, value)
        body.pop("data")
        return {**body, **wrapper}

    return inside


@_inside_data
def set_value(body: Any, path: list[int], value: Any) -> Any:
    found = _walk(body, path)
    if found is not None:
        node, place = found
        node[place] = value
    return body


@_inside_data
def remove(body: Any, path: list[int], _: Any = None) -> Any:
    found = _walk(body, path)
    if found is not None:
        node, place = found
        del node[place]
    return body


@_inside_data
def add_extra(body: Any, path: list[int], value: Any) -> Any:
    """An unknown field (kept: the platform adds fields over time) with any value."""
    found = _walk(body, path)
    node = body if found is None else found[0]
    if isinstance(node, dict):
        node[f"extra{path[-1]}"] = value
    return body


def set_field(name: str):
    def mutate(body: Any, _: list[int], value: Any) -> Any:
        if isinstance(body, dict):
            body[name] = value
        return body

    return mutate


def bury(body: Any, path: list[int], _: Any = None) -> Any:
    """A value (or the whole body) nested deep: within the desk's limit, or far beyond."""
    depth = (10, 40, 62, 65, 200, 999, 1200)[path[0] % 7]
    found = _walk(body, path[1:]) if len(path) > 1 else None
    if found is None:
        return nested(depth, body)
    node, place = found
    node[place] = nested(depth, node[place])
    return body


MUTATIONS: dict[str, Callable[[Any, list[int], Any], Any]] = {
    "set": set_value,
    "extra": add_extra,
    "remove": remove,
    "secret": set_field("secret"),
    "name": set_field("name"),
    "type": set_field("type"),
    "data": set_field("data"),
    "bury": bury,
}
# Mostly inside the body, where most mutated bodies stay acceptable and reach the applier.
WEIGHTS = {
    "set": 10,
    "extra": 6,
    "remove": 3,
    "secret": 1,
    "name": 1,
    "type": 1,
    "data": 1,
    "bury": 1,
}
WEIGHTED = [how for how, weight in WEIGHTS.items() for _ in range(weight)]


@dataclass(frozen=True)
class Mutation:
    how: str
    path: list[int]
    value: Any


@dataclass(frozen=True)
class Damage:
    how: str  # "cut", "byte" or "prefix"
    at: int
    byte: int


@dataclass(frozen=True)
class Recipe:
    """How one body is made: a seed, its mutations, how it is encoded and spoiled."""

    seed: int
    mutations: list[Mutation]
    allow_nan: bool
    damage: Damage | None


def cook(recipe: Recipe) -> bytes:
    body = seed(recipe.seed)
    for mutation in recipe.mutations:
        body = MUTATIONS[mutation.how](body, mutation.path, mutation.value)
    try:
        # ensure_ascii: lone surrogates travel as \udXXX escapes, as JSON lets them.
        raw = json.dumps(body, ensure_ascii=True, allow_nan=recipe.allow_nan).encode()
    except (RecursionError, ValueError):  # too deep for json.dumps, or NaN not allowed
        raw = b"[" * 5000
    spoil = recipe.damage
    if spoil is None or not raw:
        return raw
    at = spoil.at % len(raw)
    if spoil.how == "cut":
        return raw[:at]
    if spoil.how == "byte":
        return raw[:at] + bytes([spoil.byte]) + raw[at + 1 :]
    return b"[" * (spoil.at % 2000) + raw


# --- driver 1: hypothesis ----------------------------------------------------------------------

scalars = (
    st.sampled_from(HOSTILE)
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
paths = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6)
mutations = st.builds(Mutation, st.sampled_from(WEIGHTED), paths, json_values)
damages = st.none() | st.builds(
    Damage,
    st.sampled_from(["cut", "byte", "prefix"]),
    st.integers(min_value=0, max_value=4000),
    st.integers(min_value=0, max_value=255),
)
mutated_bodies = st.builds(
    Recipe,
    st.integers(min_value=0, max_value=100),
    st.lists(mutations, min_size=1, max_size=2),
    st.booleans(),
    st.none() | st.none() | damages,
).map(cook)


# --- driver 2: seeded random -------------------------------------------------------------------


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(HOSTILE)
    if roll < 0.55:
        return rng.choice([rng.randint(-(10**6), 10**6), rng.random() * 10 ** rng.randint(0, 300)])
    if roll < 0.75 or depth > 3:
        alphabet = "az09 -_.:+@/\\\"'\x00\x1f\u00e9\u044b\u4e2d\U0001f600\ud800"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if roll < 0.87:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {
        f"k{rng.randint(0, 9)}": _random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))
    }


def recipe_number(n: int) -> Recipe:
    """Body n of the seeded run (its own random stream: reproducible alone)."""
    rng = random.Random(n)
    return Recipe(
        seed=rng.randrange(100),
        mutations=[
            Mutation(
                rng.choice(WEIGHTED),
                [rng.randrange(41) for _ in range(rng.randint(1, 6))],
                _random_value(rng),
            )
            for _ in range(rng.randint(1, 2))
        ],
        allow_nan=rng.random() < 0.5,
        damage=(
            Damage(rng.choice(["cut", "byte", "prefix"]), rng.randrange(4000), rng.randrange(256))
            if rng.random() < 0.1
            else None
        ),
    )


def seeded_bodies(count: int) -> Iterator[tuple[int, bytes]]:
    for n in range(count):
        yield n, cook(recipe_number(n))


# --- what the desk made of them ----------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Tally:
    """What the desk answered to the bodies a fuzz run tried."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list[tuple[Any, str]] = field(default_factory=list)
    apply_failures: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return sum(self.statuses.values())


def take(raw: bytes, tally: Tally, label: Any = None) -> None:
    """One body through the intake, what both server paths run: never a 5xx; a refusal says
    why and writes nothing."""
    try:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            status, answer = callback_intake(raw)
    except Exception as error:  # the server would answer it with a 500
        tally.statuses[500] += 1
        tally.server_errors.append((label or raw[:200], f"{type(error).__name__}: {error}"[:300]))
        return
    tally.statuses[status] += 1
    assert answer["ok"] is (status == 200), (label, status, answer)
    if status != 200:
        assert answer["message"], answer
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert not writes, (label, answer, writes)


def apply_all(tally: Tally) -> None:
    """The applier over what was accepted: a body answered 2xx is applied (or parked for a
    dialog it waits for, or kept as of an unknown kind), never failed."""
    callbacks_apply_pending(limit=10**6)
    for record in CallbackRecord.objects.filter(attempts__gt=0):
        tally.apply_failures.append((record.body, record.last_error[:300]))
        record.delete()  # counted once
