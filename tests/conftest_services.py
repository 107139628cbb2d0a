"""Session fixtures for the real PostgreSQL and SeaweedFS servers (tests/helpers/services.py).

Import them into a test module (``from tests.conftest_services import pg_fixture,
weed_fixture``: pytest knows them as ``pg`` and ``weed``); each pytest
process starts its own pair once and stops them at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.services import Postgres, Seaweed, missing, postgres_server, seaweed_server


@pytest.fixture(scope="session", name="pg")
def pg_fixture() -> Iterator[Postgres]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session", name="weed")
def weed_fixture() -> Iterator[Seaweed]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with seaweed_server() as server:
        yield server
