-- CSRF tokens are derived from the session id with the server's key (HMAC-SHA256), so a
-- session keeps nothing but the hash of its id.
ALTER TABLE sessions DROP COLUMN csrf_token;
