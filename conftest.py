"""Repository-wide pytest hooks."""

import pytest

# Tests of the platform package (sandbox and client) touch neither the database nor the channel
# layer, so the PostgreSQL + Redis pass (scripts/test-services.sh) leaves them out.
PLATFORM_MODULE_PREFIXES = ("test_sandbox_", "test_client_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1].startswith(PLATFORM_MODULE_PREFIXES):
            item.add_marker(pytest.mark.platform)


# Desk fixtures (operators, callback bodies) for every test module.
pytest_plugins = ["tests.support.fixtures", "tests.support.admin"]
