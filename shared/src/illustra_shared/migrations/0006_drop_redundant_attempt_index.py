# Every lookup of a document's attempts is served by stage_attempts_document_id_stage_outcome (0004), whose first
# column is document_id: the single-column index only cost a write on every attempt opened and closed.
SQL = """
DROP INDEX stage_attempts_document_id
"""
