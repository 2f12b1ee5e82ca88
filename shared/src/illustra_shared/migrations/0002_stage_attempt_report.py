SQL = """
ALTER TABLE stage_attempts ADD COLUMN extractor VARCHAR(16);
ALTER TABLE stage_attempts ADD COLUMN llm_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_attempts ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_attempts ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_attempts ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'
"""
