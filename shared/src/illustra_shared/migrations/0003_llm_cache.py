SQL = """
CREATE TABLE llm_cache (
    key VARCHAR(64) PRIMARY KEY,
    response TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
)
"""
