SQL = """
CREATE TABLE api_tokens (
    id {pk},
    user_id BIGINT NOT NULL,
    token_sha256 VARCHAR(64) NOT NULL UNIQUE,
    label VARCHAR(100),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id)
"""
