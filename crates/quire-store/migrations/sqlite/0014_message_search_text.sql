-- Message search reads the words Quire keeps with each message (`search_text`, written with
-- it in Rust: see crates/quire-store/src/search_text.rs), so a search can check the newest
-- conversations' messages with a substring test, at the same cost whatever the word, and
-- look up the rest in a full-text index over the same words. The index used to read `body`
-- itself; checking a message against it cost in proportion to all of a word's matches.
ALTER TABLE messages ADD COLUMN search_text TEXT;

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
DROP TABLE messages_search;

-- The words are folded already and joined by spaces: the `ascii` tokenizer splits them there.
CREATE VIRTUAL TABLE messages_search USING fts5(
    search_text, content = 'messages', content_rowid = 'seq', tokenize = 'ascii'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO messages_search(rowid, search_text) VALUES (new.seq, new.search_text);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO messages_search(messages_search, rowid, search_text)
        VALUES ('delete', old.seq, old.search_text);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF search_text ON messages BEGIN
    INSERT INTO messages_search(messages_search, rowid, search_text)
        SELECT 'delete', old.seq, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO messages_search(rowid, search_text)
        SELECT new.seq, new.search_text WHERE new.search_text IS NOT NULL;
END;

-- The messages stored before this migration, whose words the store writes once on start
-- (`Store::write_missing_search_texts`); empty afterwards.
CREATE INDEX messages_without_search_text ON messages(seq)
    WHERE search_text IS NULL AND body IS NOT NULL;
