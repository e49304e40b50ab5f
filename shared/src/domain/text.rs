//! Text that reaches a document: every free-text field that can end up printed on an
//! invoice or its PDF (worklog texts, client names and addresses, notes, PO numbers, line
//! descriptions) follows this one rule. A control character (C0, DEL, C1: CR, ESC, NUL...),
//! a bidirectional format character (U+061C, U+200E/U+200F, U+202A-U+202E, U+2066-U+2069)
//! or a line/paragraph separator (U+2028/U+2029) could forge a line or reorder what a reader
//! sees ("IBAN: XX00 EVIL"), so such text is refused, never silently altered.

use crate::{FieldCode, FieldError};

/// Whether a text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// No line break at all.
    One,
    /// Line feeds (`\n`, and only that) separate lines.
    Many,
}

/// What kind of character `c` is, if a document must not contain it.
fn forbidden(c: char, lines: Lines) -> Option<&'static str> {
    match c {
        '\n' if lines == Lines::Many => None,
        '\n' | '\r' => Some("a line break"),
        '\u{2028}' | '\u{2029}' => Some("a line or paragraph separator"),
        c if c.is_control() => Some("a control character"),
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Some("a bidirectional format character"),
        _ => None,
    }
}

/// Check `text` (already trimmed) for a document: at most `max_chars` characters and no
/// character a document must not contain. The message says what is wrong, naming the
/// first offending character by code point.
pub fn check(text: &str, max_chars: usize, lines: Lines) -> Result<(), (FieldCode, String)> {
    if text.chars().count() > max_chars {
        return Err((
            FieldCode::TooLong,
            format!("must be at most {max_chars} characters"),
        ));
    }
    match text
        .chars()
        .find_map(|c| forbidden(c, lines).map(|what| (c, what)))
    {
        Some((c, what)) => Err((
            FieldCode::InvalidCharacter,
            format!("must not contain {what} (U+{:04X})", u32::from(c)),
        )),
        None => Ok(()),
    }
}

/// [`check`] `text` trimmed; a problem is added to `errors` under `field`. Returns the
/// trimmed text.
pub fn check_field<'a>(
    field: impl Into<String>,
    text: &'a str,
    max_chars: usize,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> &'a str {
    let text = text.trim();
    if let Err((code, message)) = check(text, max_chars, lines) {
        errors.push(FieldError::coded(field, code, message));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_text_in_any_script() {
        for ok in [
            "Acme GmbH",
            "Oʻtkir Gʻofurov",
            "Алексей",
            "東京",
            "שלום",
            "a\u{200D}b",
        ] {
            assert_eq!(check(ok, 100, Lines::One), Ok(()), "{ok}");
        }
        assert_eq!(check("first\nsecond", 100, Lines::Many), Ok(()));
    }

    #[test]
    fn refuses_what_could_forge_or_reorder_a_line() {
        let bad = [
            "a\r\nIBAN: XX00 EVIL",
            "a\rb",
            "a\u{1b}[2Jb",
            "a\0b",
            "a\tb",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{9b}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{061C}b",
            "a\u{200E}b",
            "a\u{200F}b",
            "a\u{202A}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ];
        for text in bad {
            assert!(check(text, 100, Lines::One).is_err(), "{text:?}");
            assert!(check(text, 100, Lines::Many).is_err(), "{text:?}");
        }
        assert!(check("a\nb", 100, Lines::One).is_err());
    }

    #[test]
    fn names_the_character_and_counts_characters_not_bytes() {
        assert_eq!(
            check("x\u{202E}y", 10, Lines::One),
            Err((
                FieldCode::InvalidCharacter,
                "must not contain a bidirectional format character (U+202E)".into()
            ))
        );
        assert_eq!(check(&"ʻ".repeat(10), 10, Lines::One), Ok(()));
        assert_eq!(
            check(&"ʻ".repeat(11), 10, Lines::One),
            Err((FieldCode::TooLong, "must be at most 10 characters".into()))
        );
    }

    #[test]
    fn check_field_trims_and_names_the_field() {
        let mut errors = Vec::new();
        assert_eq!(
            check_field("po", "  PO-1 ", 10, Lines::One, &mut errors),
            "PO-1"
        );
        assert!(errors.is_empty());
        check_field("notes", "a\u{202E}", 10, Lines::Many, &mut errors);
        assert_eq!(errors[0].field, "notes");
    }
}
