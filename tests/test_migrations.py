"""The migrations agree with the models, and those that only rename things for people (verbose
names, Meta options) leave the database alone: on SQLite, Django rebuilds a whole table for an
AlterField it thinks touches the schema, which on the conversations table is a long lock.

Run on SQLite and on PostgreSQL (scripts/test-services.sh).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

# Migrations that only name the desk's apps, models and fields for the admin, in its language.
NAMING_ONLY = [
    ("audit", "0002_verbose_names"),
    ("callbacks", "0005_verbose_names"),
    ("contacts", "0003_verbose_names"),
    ("conversations", "0013_verbose_names"),
    ("desk", "0004_verbose_names"),
    ("operators", "0005_verbose_names"),
    ("outreach", "0003_verbose_names"),
    ("realtime", "0005_verbose_names"),
]


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


# Outside a transaction: SQLite's schema editor, even one that only collects, must turn the
# foreign key checks off, which it cannot do inside one.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("app", "name"), NAMING_ONLY)
def test_a_naming_migration_runs_no_sql(app, name):
    loader = MigrationLoader(connection, replace_migrations=False)
    statements = loader.collect_sql([(loader.graph.nodes[(app, name)], False)])
    real = [s for s in statements if s.strip() and not s.lstrip().startswith("--")]
    assert real == [], f"{connection.vendor}: {app}.{name} changes the database: {real}"
