//! The words of a message as `SQLite`'s message search keeps them (`messages.search_text`).
//!
//! A search checks the newest conversations one by one, and on `SQLite` a check of a message
//! is a substring test of these words (`instr`), which costs the same whatever the word; the
//! full-text index over the same column (its `ascii` tokenizer splits them where they were
//! joined) looks up the rest. Both read one text made by one function, so a check and a
//! look-up find the same messages.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// `text`'s words, each as [`fold`] makes it and after a space: `" where is my order 1042"`.
/// A word starts with `w` exactly when the text holds `" " + fold(w)`.
pub fn search_text(text: &str) -> String {
    let mut words = String::with_capacity(text.len() + 1);
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            words.push(' ');
            words.push_str(&fold(word));
        }
    }
    words
}

/// `word` in lower case, without the accents of Latin letters (`Órdér` is `order`), as
/// `SQLite`'s `unicode61` tokenizer with `remove_diacritics` folds the contacts' words.
pub(crate) fn fold(word: &str) -> String {
    let mut last_is_latin = false;
    word.to_lowercase()
        .nfd()
        .filter(|&c| {
            let accent = is_combining_mark(c) && last_is_latin;
            if !is_combining_mark(c) {
                last_is_latin = c.is_ascii_alphabetic();
            }
            !accent
        })
        .nfc()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_lowered_and_unaccented() {
        assert_eq!(
            search_text("Olá! Meu pedido #A-1042 não chegou"),
            " ola meu pedido a 1042 nao chegou"
        );
        assert_eq!(search_text("ÓRDÉR, re-order!"), " order re order");
        assert_eq!(search_text("  ?!  "), "");
    }

    #[test]
    fn other_scripts_keep_their_marks() {
        // As the contacts' index keeps them: only Latin letters lose their accents.
        assert_eq!(search_text("Καλημέρα, Привет"), " καλημέρα привет");
        assert_eq!(fold("Straße"), "straße");
    }
}
