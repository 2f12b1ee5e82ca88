SQL = """
CREATE TABLE documents (
    id {pk},
    user_id BIGINT NOT NULL,
    file_name VARCHAR(255) NOT NULL,
    ocr_content TEXT NOT NULL,
    content_sha256 VARCHAR(64) NOT NULL,
    processing_stage VARCHAR(32) NOT NULL DEFAULT 'pending',
    progress_percentage SMALLINT NOT NULL DEFAULT 0,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    error_message TEXT,
    created_at TIMESTAMP NOT NULL,
    last_processed_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_user_id_id ON documents (user_id, id);
CREATE INDEX documents_content_sha256 ON documents (content_sha256);
CREATE INDEX documents_processing_stage ON documents (processing_stage);

CREATE TABLE stage_attempts (
    id {pk},
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    stage VARCHAR(32) NOT NULL,
    attempt SMALLINT NOT NULL,
    message_id VARCHAR(64),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome VARCHAR(16) NOT NULL DEFAULT 'running',
    error TEXT
);
CREATE INDEX stage_attempts_document_id ON stage_attempts (document_id);

CREATE TABLE basic_info_results (
    id {pk},
    document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    insured_name TEXT,
    gender VARCHAR(1),
    issue_age SMALLINT,
    smoker BOOLEAN,
    insurer TEXT,
    product_name TEXT,
    currency VARCHAR(3),
    sum_assured DOUBLE PRECISION,
    annual_premium DOUBLE PRECISION,
    premium_term_years SMALLINT,
    payment_mode VARCHAR(16),
    coverage_to_age SMALLINT,
    meta TEXT NOT NULL,
    extractor VARCHAR(16) NOT NULL DEFAULT 'rules',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE value_table_results (
    id {pk},
    document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    row_count INTEGER NOT NULL DEFAULT 0,
    issues TEXT NOT NULL,
    extractor VARCHAR(16) NOT NULL DEFAULT 'rules',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE value_table_rows (
    id {pk},
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    policy_year INTEGER NOT NULL,
    age INTEGER,
    total_premiums_paid DOUBLE PRECISION,
    guaranteed_cash_value DOUBLE PRECISION,
    non_guaranteed_value DOUBLE PRECISION,
    total_surrender_value DOUBLE PRECISION,
    death_benefit DOUBLE PRECISION,
    meta TEXT NOT NULL
);
CREATE UNIQUE INDEX value_table_rows_document_id_policy_year ON value_table_rows (document_id, policy_year);

CREATE TABLE summary_results (
    id {pk},
    document_id BIGINT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    proposal_date DATE,
    valid_until DATE,
    breakeven_year INTEGER,
    key_points TEXT NOT NULL,
    overview TEXT,
    meta TEXT NOT NULL,
    extractor VARCHAR(16) NOT NULL DEFAULT 'rules',
    created_at TIMESTAMP NOT NULL
);
"""
