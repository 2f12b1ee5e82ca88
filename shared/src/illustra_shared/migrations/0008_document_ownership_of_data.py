# The LLM cache belongs to the documents whose text it answered (by the text's SHA-256, as documents keep it), so
# it goes when they go; the replies cached before, of unknown documents and possibly unmasked, are dropped.
# content_bytes lets a user's stored bytes be summed for the quota without reading the texts; rows stored before
# are counted by their length in characters (SQLite has no octet_length), a lower bound. The index lets the quota
# check on every save read a user's sizes without visiting the documents.
SQL = """
DELETE FROM llm_cache;
ALTER TABLE llm_cache ADD COLUMN content_sha256 VARCHAR(64) NOT NULL DEFAULT '';
CREATE INDEX llm_cache_content_sha256 ON llm_cache (content_sha256);
ALTER TABLE documents ADD COLUMN content_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE documents SET content_bytes = length(ocr_content);
CREATE INDEX documents_user_id_content_bytes ON documents (user_id, content_bytes)
"""
