-- Calls and failed calls of each function per hour (hours since the Unix epoch), counted for
-- every call the runtime ran, even when its invocation record was not kept (the log keeps the
-- newest 1,000 per function and drops records when the database falls behind), so a
-- function's traffic reads the same at 30 calls and at 30,000.
CREATE TABLE function_call_counts (
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    hour        BIGINT NOT NULL,
    calls       BIGINT NOT NULL,
    errors      BIGINT NOT NULL,
    PRIMARY KEY (function_id, hour)
);
