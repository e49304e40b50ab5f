//! A `multipart/mixed` message (RFC 5322, RFC 2045-2047): a UTF-8 text part and its
//! attachments, all in 7-bit ASCII (base64 bodies, encoded-word headers), CRLF line ends,
//! no line over 78 characters. Addresses must have passed [`super::address::problem`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};

/// A file sent with the message.
#[derive(Debug, Clone, Copy)]
pub struct Attachment<'a> {
    /// Shown to the recipient; reduced to `[A-Za-z0-9._-]`.
    pub filename: &'a str,
    /// e.g. `application/pdf`.
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// What the message says.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Display name of the sender (any text), or none.
    pub from_name: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub subject: &'a str,
    /// The body, plain UTF-8 text.
    pub text: &'a str,
    /// The files, in order (at least one: the invoice's PDF).
    pub attachments: &'a [Attachment<'a>],
    pub date: DateTime<Utc>,
    /// Unique token: the `Message-ID` local part and the multipart boundary.
    pub token: &'a str,
}

/// Longest raw piece of text in one encoded word: 52 characters of base64, 64 with the
/// markers, so that even the first word after `Subject: ` stays under 78 characters.
const WORD_BYTES: usize = 39;

/// `text` as it may stand in a header: as it is when it is printable ASCII, else as
/// RFC 2047 encoded words of whole characters, folded onto continuation lines.
pub fn header_text(text: &str) -> String {
    let plain = text.chars().all(|c| (' '..='~').contains(&c)) && text.len() <= 60;
    if plain {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Base64 of `bytes` in lines of 76 characters, each ended by CRLF.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push_str("\r\n");
    }
    out
}

fn safe_filename(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

/// The message as bytes, ready for the mail service.
pub fn build(m: &Message<'_>) -> Vec<u8> {
    let boundary = format!("=_proxima_{}", m.token);
    let from = match m.from_name {
        Some(name) if !name.trim().is_empty() => {
            format!("{}\r\n <{}>", header_text(name), m.from)
        }
        _ => m.from.to_string(),
    };
    let mut out = String::new();
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    };
    header("From", &from);
    header("To", &m.to.join(",\r\n "));
    if !m.cc.is_empty() {
        header("Cc", &m.cc.join(",\r\n "));
    }
    header("Subject", &header_text(m.subject));
    header("Date", &m.date.to_rfc2822());
    let domain = m.from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    header("Message-ID", &format!("<{}@{domain}>", m.token));
    header("MIME-Version", "1.0");
    header(
        "Content-Type",
        &format!("multipart/mixed; boundary=\"{boundary}\""),
    );
    out.push_str("\r\n");
    out.push_str(&format!("--{boundary}\r\n"));
    out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    out.push_str(&base64_lines(m.text.as_bytes()));
    for attachment in m.attachments {
        let filename = safe_filename(attachment.filename);
        out.push_str(&format!("--{boundary}\r\n"));
        out.push_str(&format!(
            "Content-Type: {}; name=\"{filename}\"\r\n",
            attachment.content_type
        ));
        out.push_str(&format!(
            "Content-Disposition: attachment; filename=\"{filename}\"\r\n"
        ));
        out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
        out.push_str(&base64_lines(attachment.bytes));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(subject: &str, attachment: &[u8]) -> String {
        let to = vec!["billing@acme.com".to_string(), "ap@acme.com".to_string()];
        let cc = vec!["boss@acme.com".to_string()];
        let m = Message {
            from_name: Some("Proxima LLC"),
            from: "invoices@proxima.test",
            to: &to,
            cc: &cc,
            subject,
            text: "Hello,\nplease find the invoice attached.\nOʻzbekiston",
            attachments: &[Attachment {
                filename: "INV-2026-00001.pdf",
                content_type: "application/pdf",
                bytes: attachment,
            }],
            date: DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            token: "abc123",
        };
        String::from_utf8(build(&m)).expect("ASCII only")
    }

    #[test]
    fn headers_and_parts_are_as_sent() {
        let pdf: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let raw = sample("Invoice INV-2026-00001", &pdf);
        assert!(raw.is_ascii());
        assert!(raw.starts_with("From: Proxima LLC\r\n <invoices@proxima.test>\r\n"));
        assert!(raw.contains("To: billing@acme.com,\r\n ap@acme.com\r\n"));
        assert!(raw.contains("Cc: boss@acme.com\r\n"));
        assert!(raw.contains("Subject: Invoice INV-2026-00001\r\n"));
        assert!(raw.contains("Message-ID: <abc123@proxima.test>\r\n"));
        assert!(raw.lines().all(|l| l.len() <= 78), "no long lines");
        // The attachment decodes back to the same bytes.
        let (_, part) = raw.split_once("filename=\"INV-2026-00001.pdf\"").unwrap();
        let (_, body) = part.split_once("\r\n\r\n").unwrap();
        let (body, _) = body.split_once("--=_proxima_abc123--").unwrap();
        let b64: String = body.split("\r\n").collect();
        assert_eq!(STANDARD.decode(b64).unwrap(), pdf);
    }

    #[test]
    fn non_ascii_subjects_are_encoded_words_of_whole_characters() {
        let subject = "Hisob-faktura INV-2026-00001 — Oʻzbekiston gʻalla ".repeat(3);
        let raw = sample(&subject, b"%PDF");
        let line = raw.split("\r\nSubject: ").nth(1).unwrap();
        let value: String = line
            .split("\r\n")
            .take_while(|l| !l.contains(':') || l.starts_with(" =?"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let decoded: String = value
            .split("\r\n ")
            .map(|w| {
                let inner = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                String::from_utf8(STANDARD.decode(inner).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(decoded, subject);
        assert!(raw.lines().all(|l| l.len() <= 78));
    }

    #[test]
    fn header_text_drops_line_breaks() {
        assert!(!header_text("a\r\nBcc: x@y.com ü").contains('\n'));
        assert_eq!(header_text("Plain"), "Plain");
    }
}
