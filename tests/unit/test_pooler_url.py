"""``?pooler=transaction`` on DATABASE_URL: nothing that outlives a transaction on a server connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from illustra_shared.database import database_proxy, open_database, pooler_mode, prepared

URL = "postgresql://illustra@pgbouncer:6432/illustra"


@pytest.fixture(autouse=True)
def _keep_the_models_database() -> Iterator[None]:
    # open_database binds the models to what it opens: put back what the other tests bound them to.
    bound = database_proxy.obj
    yield
    database_proxy.initialize(bound)


def test_behind_a_transaction_pooler_no_statement_is_prepared_and_no_setting_sent() -> None:
    database = open_database(f"{URL}?pooler=transaction&sslmode=prefer")
    assert "options" not in database.connect_params and "pooler" not in database.connect_params
    assert database.connect_params["sslmode"] == "prefer"
    assert prepared(database, "illustra_x", "SELECT 1 WHERE 1 = %s") == "SELECT 1 WHERE 1 = %s"


def test_directly_or_in_session_mode_statements_are_prepared() -> None:
    for url in (URL, f"{URL}?pooler=session"):
        database = open_database(url)
        assert "client_connection_check_interval" in database.connect_params["options"]
        assert prepared(database, "illustra_x", "SELECT 1 WHERE 1 = %s") == "EXECUTE illustra_x(%s)"


def test_an_unknown_pooler_mode_is_refused() -> None:
    assert pooler_mode(f"{URL}?pooler=transaction") == (URL, "transaction")
    with pytest.raises(ValueError, match="pooler"):
        open_database(f"{URL}?pooler=statement")
