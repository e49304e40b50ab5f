//! The words of a reminder e-mail in the client's language: the subject and the text, with
//! the invoice number, the amount still due and the due date written as the locale writes
//! them. Pure functions, no I/O.

use super::settings::StepKind;
use crate::domain::Locale;
use crate::domain::scale;
use crate::invoice::InvoiceHeader;

/// The reminder's subject and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
}

/// What a reminder says of `h` (its amount due) in `locale`, for a step of `kind` (a
/// reminder by hand: `None`, worded by whether the invoice is overdue on `overdue`), signed
/// by `issuer_name`, with an optional personal message first.
pub fn letter(
    h: &InvoiceHeader,
    kind: Option<StepKind>,
    overdue: bool,
    locale: Locale,
    issuer_name: &str,
    message: Option<&str>,
) -> Letter {
    let kind = kind.unwrap_or(if overdue {
        StepKind::Overdue
    } else {
        StepKind::BeforeDue
    });
    let number = h.number.as_deref().unwrap_or_default();
    let places = scale::minor_unit(&h.currency);
    let due = locale.money(h.amount_due, places, &h.currency);
    let date = locale.date(h.due_date);
    let (subject, lead, close, hello, attached) = match (locale, kind) {
        (Locale::En, StepKind::BeforeDue) => (
            format!("Reminder: invoice {number} is due on {date}"),
            format!("a friendly reminder that invoice {number} is due on {date}."),
            "If you have already paid, please disregard this message.",
            "Hello,",
            "The invoice is attached.",
        ),
        (Locale::En, StepKind::Due) => (
            format!("Invoice {number} is due today"),
            format!("invoice {number} is due today, {date}."),
            "If you have already paid, please disregard this message.",
            "Hello,",
            "The invoice is attached.",
        ),
        (Locale::En, StepKind::Overdue) => (
            format!("Overdue: invoice {number} was due on {date}"),
            format!("invoice {number} was due on {date} and is not yet paid in full."),
            "If you have already paid, please disregard this message.",
            "Hello,",
            "The invoice is attached.",
        ),
        (Locale::Ru, StepKind::BeforeDue) => (
            format!("Напоминание: срок оплаты счёта {number} — {date}"),
            format!("напоминаем, что срок оплаты счёта {number} — {date}."),
            "Если вы уже оплатили счёт, пожалуйста, не обращайте внимания на это письмо.",
            "Здравствуйте,",
            "Счёт приложен к письму.",
        ),
        (Locale::Ru, StepKind::Due) => (
            format!("Сегодня срок оплаты счёта {number}"),
            format!("сегодня, {date}, истекает срок оплаты счёта {number}."),
            "Если вы уже оплатили счёт, пожалуйста, не обращайте внимания на это письмо.",
            "Здравствуйте,",
            "Счёт приложен к письму.",
        ),
        (Locale::Ru, StepKind::Overdue) => (
            format!("Просрочен: счёт {number}, срок оплаты {date}"),
            format!("срок оплаты счёта {number} истёк {date}, счёт оплачен не полностью."),
            "Если вы уже оплатили счёт, пожалуйста, не обращайте внимания на это письмо.",
            "Здравствуйте,",
            "Счёт приложен к письму.",
        ),
        (Locale::Uz, StepKind::BeforeDue) => (
            format!("Eslatma: {number} hisob-fakturasining toʻlov muddati {date}"),
            format!("{number} hisob-fakturasining toʻlov muddati {date} ekanini eslatamiz."),
            "Agar toʻlovni amalga oshirgan boʻlsangiz, ushbu xatga e’tibor bermang.",
            "Assalomu alaykum,",
            "Hisob-faktura ilova qilingan.",
        ),
        (Locale::Uz, StepKind::Due) => (
            format!("{number} hisob-fakturasining toʻlov muddati bugun"),
            format!("{number} hisob-fakturasining toʻlov muddati bugun, {date}."),
            "Agar toʻlovni amalga oshirgan boʻlsangiz, ushbu xatga e’tibor bermang.",
            "Assalomu alaykum,",
            "Hisob-faktura ilova qilingan.",
        ),
        (Locale::Uz, StepKind::Overdue) => (
            format!("Muddati oʻtgan: {number} hisob-fakturasi, muddat {date}"),
            format!(
                "{number} hisob-fakturasining toʻlov muddati {date} kuni oʻtgan, u toʻliq toʻlanmagan."
            ),
            "Agar toʻlovni amalga oshirgan boʻlsangiz, ushbu xatga e’tibor bermang.",
            "Assalomu alaykum,",
            "Hisob-faktura ilova qilingan.",
        ),
    };
    let amount_line = match locale {
        Locale::En => format!("Amount due: {due}"),
        Locale::Ru => format!("Сумма к оплате: {due}"),
        Locale::Uz => format!("Toʻlanishi kerak: {due}"),
    };
    let greeting = message.map_or_else(|| hello.to_string(), str::to_string);
    let text = format!(
        "{greeting}\n\n{}{}\n{amount_line}\n\n{attached} {close}\n\n{issuer_name}\n",
        lead.chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default(),
        lead.chars().skip(1).collect::<String>(),
    );
    Letter { subject, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn header() -> InvoiceHeader {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.number = Some("INV-2026-00042".into());
        h.currency = "USD".into();
        h.amount_due = Decimal::new(123456, 2);
        h.due_date = "2026-12-10".parse().unwrap();
        h
    }

    #[test]
    fn a_reminder_names_the_invoice_the_amount_due_and_the_date_in_the_clients_language() {
        let h = header();
        let en = letter(
            &h,
            Some(StepKind::Overdue),
            true,
            Locale::En,
            "Proxima LLC",
            None,
        );
        assert_eq!(
            en.subject,
            "Overdue: invoice INV-2026-00042 was due on 2026-12-10"
        );
        assert!(en.text.contains("Amount due: 1,234.56 USD"), "{}", en.text);
        assert!(
            en.text
                .starts_with("Hello,\n\nInvoice INV-2026-00042 was due"),
            "{}",
            en.text
        );
        let ru = letter(
            &h,
            Some(StepKind::Due),
            false,
            Locale::Ru,
            "Proxima LLC",
            None,
        );
        assert!(ru.subject.contains("INV-2026-00042"));
        assert!(ru.text.contains("10.12.2026"), "{}", ru.text);
        assert!(ru.text.contains("1\u{a0}234,56"), "{}", ru.text);
        let uz = letter(
            &h,
            None,
            false,
            Locale::Uz,
            "Proxima LLC",
            Some("Hurmatli mijoz,"),
        );
        assert!(uz.subject.starts_with("Eslatma"), "{}", uz.subject);
        assert!(uz.text.starts_with("Hurmatli mijoz,\n\n"), "{}", uz.text);
    }
}
