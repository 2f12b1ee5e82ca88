-- One PostgreSQL role per service, each with what it needs and nothing more. The migrations run as the owner of
-- the tables (DATABASE_URL of the migration Job and the purge CronJob); run this as that owner once, after
-- `illustra migrate`, and again after a migration that adds a table. Create the roles first, with passwords from
-- your secret store and TLS required in pg_hba.conf (hostssl), e.g.
--   CREATE ROLE illustra_gateway LOGIN PASSWORD '…';
--   CREATE ROLE illustra_status LOGIN PASSWORD '…';
--   CREATE ROLE illustra_extractor LOGIN PASSWORD '…';
-- and put their URLs (…?sslmode=verify-full) in the Secret as GATEWAY_DATABASE_URL, STATUS_DATABASE_URL and
-- EXTRACTOR_DATABASE_URL. tests/integration/test_database_roles.py runs the services' queries as these roles.

-- The gateway stores documents, restarts failed ones and checks tokens.
GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO illustra_gateway;
GRANT SELECT ON stage_attempts, api_tokens TO illustra_gateway;
GRANT USAGE ON SEQUENCE documents_id_seq TO illustra_gateway;

-- The status service reads; its one write is a document's deletion at its owner's request, which cascades to the
-- results and attempts (a cascade runs with the table owner's rights) and takes the document's cached replies.
GRANT SELECT ON documents, stage_attempts, basic_info_results, value_table_rows, value_table_results,
    summary_results, api_tokens TO illustra_status;
GRANT DELETE ON documents, llm_cache TO illustra_status;
GRANT SELECT (content_sha256) ON llm_cache TO illustra_status;

-- The extractor moves documents through their stages and writes their results, attempts and cached replies.
GRANT SELECT, UPDATE ON documents TO illustra_extractor;
GRANT SELECT, INSERT, UPDATE, DELETE ON stage_attempts, basic_info_results, value_table_rows,
    value_table_results, summary_results, llm_cache TO illustra_extractor;
GRANT USAGE ON SEQUENCE stage_attempts_id_seq, basic_info_results_id_seq, value_table_rows_id_seq,
    value_table_results_id_seq, summary_results_id_seq TO illustra_extractor;
