//! E-mail addresses: the one rule for every address the service stores or mails to (a
//! client's `email` and `billing_contacts`, send recipients, `MAIL_FROM`). A deliberately
//! plain subset of the RFC 5321 addr-spec (a dot-atom local part at a host name) that is safe
//! to put in a header as it is: no display names, quotes, comments, spaces or line breaks,
//! no RFC 2047 encoded words (`=?UTF-8?B?...?=`, which a mail client decodes into something
//! else than what was checked), no `%` or `!` routing and no address literals.

use crate::FieldError;

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_ADDRESS_LEN: usize = 254;

/// Why an address is refused, or `None` when it is fine.
pub fn problem(address: &str) -> Option<&'static str> {
    if address.is_empty() {
        return Some("must not be empty");
    }
    if address.len() > MAX_ADDRESS_LEN {
        return Some("must be at most 254 characters");
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Some("must be an e-mail address like name@example.com");
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "#$&'*+-/=?^_`{|}~.".contains(c));
    if local.contains("=?") || local.contains("?=") {
        return Some("must be a plain address: no encoded words (=?...?=)");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        None
    } else {
        Some("must be an e-mail address like name@example.com")
    }
}

/// Check a list of addresses given in `field`: each valid, none twice (case-insensitive),
/// at most `max`; errors name the element (`to[1]`).
pub fn check_list(field: &str, list: &[String], max: usize, errors: &mut Vec<FieldError>) {
    if list.len() > max {
        errors.push(FieldError::new(field, format!("at most {max} addresses")));
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for (i, a) in list.iter().enumerate() {
        if let Some(p) = problem(a) {
            errors.push(FieldError::new(format!("{field}[{i}]"), p));
        } else if !seen.insert(a.to_ascii_lowercase()) {
            errors.push(FieldError::new(format!("{field}[{i}]"), "listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_pass() {
        for a in [
            "billing@acme.com",
            "a.b+tag@mail.example.co.uz",
            "x_y@a-b.io",
            "a=b@acme.com",
            "o'brien@acme.ie",
            "a@xn--80ak6aa92e.com",
        ] {
            assert_eq!(problem(a), None, "{a}");
        }
    }

    #[test]
    fn anything_that_could_break_a_header_is_refused() {
        for a in [
            "",
            "no-at-sign",
            "@acme.com",
            "a@",
            "a@localhost",
            "a@acme..com",
            "a b@acme.com",
            "a@acme.com\r\nBcc: evil@x.com",
            "Name <a@acme.com>",
            "a,b@acme.com",
            "\"q\"@acme.com",
            ".a@acme.com",
            "a@-acme.com",
            "ä@acme.com",
            "=?UTF-8?B?YWRtaW5AcHJveGltYS5sb2NhbA==?=@x.com",
            "=?utf-8?q?a=40b?=@x.com",
            "a=?x?=b@x.com",
            "a%b.example@acme.com",
            "host!a@acme.com",
            "a@[127.0.0.1]",
            "a@127.0.0.1",
            "a@acme.com@b.com",
        ] {
            assert!(problem(a).is_some(), "{a:?} should be refused");
        }
        assert!(problem(&format!("{}@acme.com", "a".repeat(250))).is_some());
    }

    #[test]
    fn lists_name_the_bad_element_and_duplicates() {
        let mut errors = Vec::new();
        let list = vec!["a@acme.com".to_string(), "bad".into(), "A@acme.com".into()];
        check_list("cc", &list, 10, &mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["cc[1]", "cc[2]"]);
        let mut errors = Vec::new();
        check_list("to", &vec!["a@acme.com".to_string(); 3], 2, &mut errors);
        assert_eq!(errors[0].field, "to");
    }
}
