"""Safe by default: no service starts published without authentication, bodies must be JSON, answers are not
kept by caches or sniffed."""

from __future__ import annotations

import logging

import pytest
from falcon import testing

from illustra.cli import main
from illustra_gateway.app import create_app as create_gateway_app
from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.migrate import migrate
from illustra_shared.settings import Settings
from illustra_status.app import create_app as create_status_app

from .test_apps_in_process import apps  # noqa: F401 (the fixture)


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["serve", "gateway", "--bind", "127.0.0.1:0"], {"ILLUSTRA_ENV": "prod"}),
        (["worker"], {"ILLUSTRA_ENV": "prod", "ILLUSTRA_AUTH": "disabled"}),
        (["serve", "status", "--bind", "0.0.0.0:0"], {}),
        (["serve", "edge", "--bind", ":0"], {}),
        (["demo", "--host", "0.0.0.0"], {"ILLUSTRA_ENV": "dev"}),
    ],
)
def test_a_service_without_authentication_refuses_to_start_in_prod_or_published(
    argv: list[str], env: dict[str, str], monkeypatch, capsys, tmp_path
) -> None:
    monkeypatch.delenv("ILLUSTRA_AUTH", raising=False)
    # `serve` points this process at a metrics directory first; the services the integration tests start later
    # inherit this process's environment and must each get their own.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for command in ("_serve", "_worker", "_demo"):  # were it not refused, nothing would start
        monkeypatch.setattr(f"illustra.cli.{command}", lambda args, settings: 0)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    assert "refusing to start" in capsys.readouterr().err


def test_only_loopback_may_go_without_authentication() -> None:
    local = Settings.from_env({})
    assert local.refusal_to_serve("127.0.0.1") is None and local.refusal_to_serve(None) is None
    assert (
        Settings.from_env({"ILLUSTRA_AUTH": "required", "ILLUSTRA_ENV": "prod"}).refusal_to_serve("") is None
    )
    assert "ILLUSTRA_AUTH=required" in (
        Settings.from_env({"ILLUSTRA_ENV": "prod"}).refusal_to_serve(None) or ""
    )


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_refused(apps, content_type: str | None) -> None:  # noqa: F811
    gateway, *_ = apps
    body = '{"file_name": "a", "ocr_content": "x", "user_id": 1}'
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = gateway.simulate_post("/api/ocr/save/", body=body, headers=headers)
    assert answer.status_code == 415 and answer.json["status"] == "error"
    declared = gateway.simulate_post(
        "/api/ocr/save/", body=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert declared.status_code == 200


def test_api_answers_are_neither_stored_nor_sniffed(apps) -> None:  # noqa: F811
    gateway, status, *_ = apps
    for answer in (
        gateway.simulate_post("/api/ocr/save/", json={"file_name": "a", "ocr_content": "x", "user_id": 1}),
        status.simulate_get("/api/ocr/documents/1/"),
        status.simulate_get("/api/ocr/documents/99/status/"),
    ):
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def _apps(tmp_path, **env: str) -> tuple[testing.TestClient, testing.TestClient]:
    settings = Settings.from_env({"ILLUSTRA_ENV": "test", **env})
    settings = settings.model_copy(update={"broker_url": "stub://"})
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(database)
    broker = create_broker(settings)
    return (
        testing.TestClient(create_gateway_app(settings, database=database, broker=broker)),
        testing.TestClient(create_status_app(settings, database=database, broker=broker)),
    )


def test_a_user_keeps_at_most_the_quota_of_documents_and_bytes(tmp_path) -> None:
    gateway, status = _apps(tmp_path, ILLUSTRA_QUOTA_DOCUMENTS="2", ILLUSTRA_QUOTA_BYTES="30")

    def save(text: str, user_id: int = 1) -> testing.Result:
        return gateway.simulate_post(
            "/api/ocr/save/", json={"file_name": "a", "ocr_content": text, "user_id": user_id}
        )

    first = save("受保人陳大文")  # 18 bytes in UTF-8
    assert first.status_code == 200
    over_bytes = save("x" * 13)
    assert over_bytes.status_code == 403 and "quota" in over_bytes.json["message"]
    assert save("x" * 12).status_code == 200
    assert save("x").status_code == 403  # two documents already
    assert save("x", user_id=2).status_code == 200  # another user's quota is their own
    deleted = status.simulate_delete(f"/api/ocr/documents/{first.json['document_id']}/")
    assert deleted.status_code == 200
    assert save("x").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        '{"file_name": "a", "ocr_content": "x", "user_id": ' + "9" * 5000 + "}",
        '{"file_name": "a", "ocr_content": "x", "user_id": "' + "9" * 5000 + '"}',
        "[" * 100_000 + "]" * 100_000,
        '{"file_name": "a", "ocr_content": "x\\ud800", "user_id": 1}',
        '{"file_name": "\\udc00", "ocr_content": "x", "user_id": 1}',
    ],
)
def test_hostile_json_is_a_400_not_a_500(tmp_path, body: str) -> None:
    gateway, _ = _apps(tmp_path)
    answer = gateway.simulate_post("/api/ocr/save/", body=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json["status"] == "error"


def test_a_huge_user_id_in_a_query_is_a_400(apps) -> None:  # noqa: F811
    _, status, *_ = apps
    assert status.simulate_get("/api/ocr/documents/", params={"user_id": "9" * 5000}).status_code == 400


def test_a_documents_length_is_reported_without_reading_its_text(tmp_path, caplog) -> None:
    gateway, status = _apps(tmp_path)
    saved = gateway.simulate_post(
        "/api/ocr/save/", json={"file_name": "a", "ocr_content": "受保人陳大文", "user_id": 1}
    )
    path = f"/api/ocr/documents/{saved.json['document_id']}/"
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        assert status.simulate_get(path).json["data"]["content_length"] == 6
    queries = " ".join(record.getMessage() for record in caplog.records)
    assert '"ocr_content"' in queries and '"t1"."ocr_content"' not in queries.replace(
        'LENGTH("t1"."ocr_content")', ""
    )
    assert (
        status.simulate_get(path, params={"include_text": "true"}).json["data"]["ocr_content"]
        == "受保人陳大文"
    )


def test_a_number_json_cannot_carry_is_stored_as_unknown(tmp_path) -> None:
    from illustra_extractor.extraction import extract_basic_info
    from illustra_extractor.results import ResultStore
    from illustra_shared.models import Document

    gateway, status = _apps(tmp_path)
    text = "Sum Assured: USD 1" + "0" * 400 + "\nAnnual Premium: USD 1,000\n"
    saved = gateway.simulate_post(
        "/api/ocr/save/", json={"file_name": "a", "ocr_content": text, "user_id": 1}
    )
    document_id = saved.json["document_id"]
    database = Document._meta.database
    for sql, params in ResultStore(database).basic_info_writes(
        document_id, extract_basic_info(text), extractor="rules"
    ):
        database.execute_sql(sql, params)
    answer = status.simulate_get(f"/api/ocr/documents/{document_id}/")
    assert "Infinity" not in answer.text
    assert answer.json["data"]["basic_info"]["sum_assured"] is None
    assert answer.json["data"]["basic_info"]["annual_premium"] == 1000.0


def test_the_log_filter_blanks_project_keys_too() -> None:
    from illustra_shared.logs import redact

    for key in ("sk-proj-Ab12_cd34-EF56gh78ij90", "sk-Zq81abcdEFGH1234", "sk-svcacct-xY_12-34abcdEFGH"):
        assert redact(f"calling the API with {key} failed") == "calling the API with [redacted] failed"


def test_tls_to_postgresql_and_redis_is_taken_from_the_urls() -> None:
    import redis

    from illustra_shared.database import open_database as open_url

    database = open_url(
        "postgresql://illustra_status@db:5432/illustra?sslmode=verify-full&sslrootcert=/ca.pem"
    )
    assert database.connect_params["sslmode"] == "verify-full"
    assert database.connect_params["sslrootcert"] == "/ca.pem"
    settings = Settings.from_env({"REDIS_URL": "rediss://illustra:pw@redis:6379/0"})
    broker = create_broker(settings)
    assert broker.client.connection_pool.connection_class is redis.SSLConnection
