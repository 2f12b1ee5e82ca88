SQL = """
ALTER TABLE stage_attempts ADD COLUMN heartbeat_at TIMESTAMP;
CREATE INDEX stage_attempts_document_id_stage_outcome ON stage_attempts (document_id, stage, outcome)
"""
