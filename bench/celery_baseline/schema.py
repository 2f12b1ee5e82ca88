"""The Django-era tables: the document with its progress fields, and one table per stage's results."""

from __future__ import annotations

import psycopg2

DOCUMENT_TABLE = "ocr_ocrdocument"

SCHEMA = f"""
CREATE TABLE {DOCUMENT_TABLE} (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    file_name VARCHAR(255) NOT NULL,
    ocr_content TEXT NOT NULL,
    processing_stage VARCHAR(32) NOT NULL DEFAULT 'pending',
    progress_percentage SMALLINT NOT NULL DEFAULT 0,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    error_message TEXT,
    created_at TIMESTAMP NOT NULL,
    last_processed_at TIMESTAMP NOT NULL
);
CREATE INDEX ocr_ocrdocument_user_id ON {DOCUMENT_TABLE} (user_id);
CREATE TABLE ocr_basicinfo (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL UNIQUE REFERENCES {DOCUMENT_TABLE} (id) ON DELETE CASCADE,
    data TEXT NOT NULL
);
CREATE TABLE ocr_valuetable (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL UNIQUE REFERENCES {DOCUMENT_TABLE} (id) ON DELETE CASCADE,
    issues TEXT NOT NULL
);
CREATE TABLE ocr_valuetablerow (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES {DOCUMENT_TABLE} (id) ON DELETE CASCADE,
    policy_year INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX ocr_valuetablerow_document_id ON ocr_valuetablerow (document_id);
CREATE TABLE ocr_summary (
    id BIGSERIAL PRIMARY KEY,
    document_id BIGINT NOT NULL UNIQUE REFERENCES {DOCUMENT_TABLE} (id) ON DELETE CASCADE,
    data TEXT NOT NULL
);
"""


def create_schema(database_url: str) -> None:
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(SCHEMA)
    finally:
        connection.close()
