-- Versions the page agent wrote: `generation` is JSON {run, attempt, prompt} for a version an
-- agent run saved, NULL for one a person saved. Written once with the version (the
-- immutability trigger covers the columns a version is read by; this one is never updated).
ALTER TABLE page_versions ADD COLUMN generation TEXT;
