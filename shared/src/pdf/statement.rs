//! The statement of account (акт сверки взаимных расчётов, oʻzaro hisob-kitoblarni
//! solishtirish dalolatnomasi): the opening balance, every entry of the range with its
//! running balance, the totals and the closing balance as our books have them, and what it
//! means (who owes whom), with both parties' signature lines, in the client's language.
//! Deterministic: the same statement gives the same bytes.

use super::Issuer;
use super::font::{self, Face};
use super::labels::Labels;
use super::page::{PAGE_WIDTH, Pages, TEXT_WIDTH, Writer, size, space, wrap};
use super::sections::{self, Row, TableHeader, TotalRow};
use crate::Result;
use crate::domain::Locale;
use crate::domain::ledger::EntryKind;
use crate::domain::ledger::statement::Statement;
use rust_decimal::Decimal;
use uuid::Uuid;

/// The words of a statement, per language.
struct Words {
    title: &'static str,
    /// The document's name in running text and the PDF's title.
    name: &'static str,
    opening: &'static str,
    closing: &'static str,
    debit: &'static str,
    credit: &'static str,
    balance: &'static str,
    entry: &'static str,
    totals: &'static str,
    /// "As our books have them": whose data the table is.
    our_books: &'static str,
}

const EN: Words = Words {
    title: "STATEMENT OF ACCOUNT",
    name: "Statement of account",
    opening: "Opening balance",
    closing: "Closing balance",
    debit: "Debit",
    credit: "Credit",
    balance: "Balance",
    entry: "Date · document",
    totals: "Turnover for the period",
    our_books: "According to the books of",
};

const RU: Words = Words {
    title: "АКТ СВЕРКИ ВЗАИМНЫХ РАСЧЁТОВ",
    name: "Акт сверки взаимных расчётов",
    opening: "Сальдо начальное",
    closing: "Сальдо конечное",
    debit: "Дебет",
    credit: "Кредит",
    balance: "Сальдо",
    entry: "Дата · документ",
    totals: "Обороты за период",
    our_books: "По данным",
};

const UZ: Words = Words {
    title: "OʻZARO HISOB-KITOBLARNI SOLISHTIRISH DALOLATNOMASI",
    name: "Oʻzaro hisob-kitoblarni solishtirish dalolatnomasi",
    opening: "Boshlangʻich qoldiq",
    closing: "Yakuniy qoldiq",
    debit: "Debet",
    credit: "Kredit",
    balance: "Qoldiq",
    entry: "Sana · hujjat",
    totals: "Davr aylanmasi",
    our_books: "Maʼlumotlariga koʻra:",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::En => &EN,
        Locale::Ru => &RU,
        Locale::Uz => &UZ,
    }
}

/// What an entry was, in words.
fn kind(locale: Locale, kind: EntryKind) -> &'static str {
    use EntryKind::*;
    match (locale, kind) {
        (Locale::En, Opening) => "Balance brought forward",
        (Locale::En, InvoiceIssued) => "Invoice",
        (Locale::En, PaymentReceived) => "Payment received",
        (Locale::En, PaymentReversed) => "Payment reversed",
        (Locale::En, CreditNote) => "Credit note",
        (Locale::En, WriteOff) => "Written off",
        (Locale::En, WriteOffReversed) => "Write-off reversed",
        (Locale::En, InvoiceVoided) => "Invoice voided",
        (Locale::En, CreditApplied) => "Credit applied",
        (Locale::En, RefundPaid) => "Refund paid",
        (Locale::Ru, Opening) => "Остаток на начало учёта",
        (Locale::Ru, InvoiceIssued) => "Счёт",
        (Locale::Ru, PaymentReceived) => "Оплата получена",
        (Locale::Ru, PaymentReversed) => "Оплата сторнирована",
        (Locale::Ru, CreditNote) => "Кредит-нота",
        (Locale::Ru, WriteOff) => "Списание",
        (Locale::Ru, WriteOffReversed) => "Списание сторнировано",
        (Locale::Ru, InvoiceVoided) => "Счёт аннулирован",
        (Locale::Ru, CreditApplied) => "Зачёт аванса",
        (Locale::Ru, RefundPaid) => "Возврат средств",
        (Locale::Uz, Opening) => "Hisob boshidagi qoldiq",
        (Locale::Uz, InvoiceIssued) => "Hisob-faktura",
        (Locale::Uz, PaymentReceived) => "Toʻlov qabul qilindi",
        (Locale::Uz, PaymentReversed) => "Toʻlov bekor qilindi",
        (Locale::Uz, CreditNote) => "Kredit-nota",
        (Locale::Uz, WriteOff) => "Hisobdan chiqarildi",
        (Locale::Uz, WriteOffReversed) => "Hisobdan chiqarish bekor qilindi",
        (Locale::Uz, InvoiceVoided) => "Hisob-faktura bekor qilindi",
        (Locale::Uz, CreditApplied) => "Avans hisobga olindi",
        (Locale::Uz, RefundPaid) => "Mablagʻ qaytarildi",
    }
}

/// The range and the parties: "for the period … between … and …".
fn between(locale: Locale, from: &str, to: &str, us: &str, client: &str) -> String {
    match locale {
        Locale::En => {
            format!("Mutual settlements for the period {from} – {to} between {us} and {client}.")
        }
        Locale::Ru => {
            format!("Взаимных расчётов за период {from} – {to} между {us} и {client}.")
        }
        Locale::Uz => {
            format!("{from} – {to} davri uchun {us} va {client} oʻrtasidagi oʻzaro hisob-kitoblar.")
        }
    }
}

/// Who owes whom at the end: `amount` is formatted with its currency.
fn conclusion(
    locale: Locale,
    closing: Decimal,
    to: &str,
    us: &str,
    client: &str,
    amount: &str,
) -> String {
    match (locale, closing > Decimal::ZERO, closing.is_zero()) {
        (Locale::En, _, true) => format!("As of {to} neither party owes the other."),
        (Locale::En, true, _) => format!("As of {to} {client} owes {us} {amount}."),
        (Locale::En, false, _) => format!("As of {to} {us} owes {client} {amount}."),
        (Locale::Ru, _, true) => format!("На {to} задолженность отсутствует."),
        (Locale::Ru, true, _) => {
            format!("На {to} задолженность в пользу {us} составляет {amount}.")
        }
        (Locale::Ru, false, _) => {
            format!("На {to} задолженность в пользу {client} составляет {amount}.")
        }
        (Locale::Uz, _, true) => format!("{to} holatiga qarzdorlik yoʻq."),
        (Locale::Uz, true, _) => format!("{to} holatiga {us} foydasiga qarzdorlik {amount}."),
        (Locale::Uz, false, _) => {
            format!("{to} holatiga {client} foydasiga qarzdorlik {amount}.")
        }
    }
}

/// `text` centred between the margins, wrapped.
fn centred(w: &mut Writer, text: &str, face: Face, size: f32, leading: f32) {
    for line in wrap(text, face, size, TEXT_WIDTH) {
        let width = font::metrics(face).width(&line, size);
        w.text((PAGE_WIDTH - width) / 2.0, size, face, line);
        w.y -= leading;
    }
}

/// Lay the statement `s` out in `locale`, between `issuer` (our books) and the client.
pub fn layout(s: &Statement, issuer: &Issuer, locale: Locale) -> Pages {
    let (l, t) = (Labels::of(locale), words(locale));
    let places = crate::domain::invoice::money::minor_unit(&s.currency);
    let (from, to) = (locale.date(s.from), locale.date(s.to));
    let mut w = Writer::new();
    centred(
        &mut w,
        t.title,
        Face::Bold,
        size::ISSUER_NAME,
        space::ISSUER_NAME_LEADING + space::TIGHT,
    );
    centred(
        &mut w,
        &between(locale, &from, &to, &issuer.name, &s.client_name),
        Face::Regular,
        size::BODY,
        space::LEADING,
    );
    w.y -= space::SECTION;
    sections::paragraph(
        &mut w,
        Face::Bold,
        &format!("{} {} · {}", t.our_books, issuer.name, s.currency),
    );
    w.y -= space::ROW_GAP;
    let header = TableHeader {
        columns: [t.entry, t.debit, t.credit, t.balance],
        continued: format!("{} {}", t.name, l.continued),
    };
    let money = |v: Decimal| locale.number(v, places);
    let blank = |v: Decimal| if v.is_zero() { String::new() } else { money(v) };
    let opening = Row {
        description: format!("{} · {from}", t.opening),
        numbers: [String::new(), String::new(), money(s.opening_balance)],
    };
    let rows = std::iter::once(opening).chain(s.lines.iter().map(|line| {
        let mut what = format!(
            "{} · {}",
            locale.date(line.booked_on),
            kind(locale, line.kind)
        );
        if let Some(r) = line.reference.as_deref().filter(|r| !r.is_empty()) {
            what.push_str(&format!(" {r}"));
        }
        let others: Vec<&str> = line
            .invoices
            .iter()
            .map(String::as_str)
            .filter(|n| Some(*n) != line.reference.as_deref())
            .collect();
        if !others.is_empty() {
            what.push_str(&format!(" ({})", others.join(", ")));
        }
        Row {
            description: what,
            numbers: [blank(line.debit), blank(line.credit), money(line.balance)],
        }
    }));
    sections::line_table(&mut w, &header, rows);
    let rows = [
        TotalRow {
            label: format!("{} {}", t.totals, t.debit),
            value: money(s.total_debits),
            grand: false,
        },
        TotalRow {
            label: format!("{} {}", t.totals, t.credit),
            value: money(s.total_credits),
            grand: false,
        },
        TotalRow {
            label: format!("{} · {to}", t.closing),
            value: locale.money(s.closing_balance, places, &s.currency),
            grand: true,
        },
    ];
    sections::totals(&mut w, &rows);
    w.y -= space::SECTION;
    let amount = locale.money(s.closing_balance.abs(), places, &s.currency);
    let sentence = conclusion(
        locale,
        s.closing_balance,
        &to,
        &issuer.name,
        &s.client_name,
        &amount,
    );
    let names = [&issuer.name, &s.client_name]
        .iter()
        .map(|n| wrap(n, Face::Regular, size::BODY, sections::HALF_WIDTH).len())
        .max()
        .unwrap_or(1) as f32;
    if w.room() < (names + 9.0) * space::LEADING + space::SECTION * 3.0 {
        w.new_page();
    }
    sections::paragraph(&mut w, Face::Regular, &sentence);
    w.y -= space::SECTION * 2.0;
    sections::signatures(
        &mut w,
        l,
        [(l.contractor, &issuer.name), (l.customer, &s.client_name)],
    );
    let left = format!("{} · {} · {} – {}", issuer.name, t.name, from, to);
    sections::footer(&mut w.pages, &left, l);
    w.pages
}

/// The file name of a statement: `statement-<client>-<currency>-<from>-<to>.pdf`.
pub fn file_name(s: &Statement) -> String {
    format!(
        "statement-{}-{}-{}-{}.pdf",
        s.client_key, s.currency, s.from, s.to
    )
}

/// Render the statement `s` to PDF bytes (A4; deterministic: the document id derives from
/// the account, the range and its last entry).
pub fn render_statement(s: &Statement, issuer: &Issuer, locale: Locale) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(s, issuer, locale);
    let title = format!(
        "{} — {} {} – {}",
        words(locale).name,
        s.client_name,
        s.from,
        s.to
    );
    let last = s.lines.last().map_or(0, |l| l.seq);
    let id = Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!(
            "statement:{}:{}:{}:{}:{last}:{}",
            s.client_key, s.currency, s.from, s.to, s.closing_balance
        )
        .as_bytes(),
    );
    super::save(&pages, &title, &issuer.name, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::statement::StatementLine;
    use chrono::NaiveDate;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    /// A year of monthly invoices, each paid the next month.
    pub(crate) fn sample(lines: usize) -> Statement {
        let mut balance = d("500.00");
        let mut out = Vec::new();
        for i in 0..lines {
            let paid = i % 2 == 1;
            let amount = d("1330.00");
            balance += if paid { -amount } else { amount };
            out.push(StatementLine {
                seq: i as u64 + 2,
                booked_on: day("2026-01-05") + chrono::Days::new(i as u64 * 15),
                value_date: day("2026-01-05"),
                kind: if paid {
                    EntryKind::PaymentReceived
                } else {
                    EntryKind::InvoiceIssued
                },
                reference: Some(format!("INV-2026-{:05}", i / 2 + 1)),
                record_id: None,
                invoices: vec![format!("INV-2026-{:05}", i / 2 + 1)],
                debit: if paid { Decimal::ZERO } else { amount },
                credit: if paid { amount } else { Decimal::ZERO },
                balance,
                credit_balance: Decimal::ZERO,
            });
        }
        Statement {
            client_key: "VOSTOK".into(),
            client_name: "ООО «Восток Логистик»".into(),
            currency: "UZS".into(),
            from: day("2026-01-01"),
            to: day("2026-12-31"),
            opening_balance: d("500.00"),
            total_debits: out.iter().map(|l| l.debit).sum(),
            total_credits: out.iter().map(|l| l.credit).sum(),
            closing_balance: balance,
            closing_credit_balance: Decimal::ZERO,
            lines: out,
        }
    }

    fn text_of(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        (pages.len(), doc.extract_text(&pages).unwrap_or_default())
    }

    #[test]
    fn each_language_names_the_document_both_parties_and_the_balances() {
        let s = sample(6);
        for (locale, expected) in [
            (
                Locale::En,
                vec![
                    "STATEMENT OF ACCOUNT",
                    "Opening balance",
                    "Closing balance",
                    "Contractor",
                    "Customer",
                    "owes",
                ],
            ),
            (
                Locale::Ru,
                vec![
                    "АКТ СВЕРКИ ВЗАИМНЫХ РАСЧЁТОВ",
                    "Сальдо начальное",
                    "Сальдо конечное",
                    "Исполнитель",
                    "Заказчик",
                    "задолженность в пользу",
                ],
            ),
            (
                Locale::Uz,
                vec![
                    "OʻZARO HISOB-KITOBLARNI SOLISHTIRISH",
                    "Boshlangʻich qoldiq",
                    "Yakuniy qoldiq",
                    "Ijrochi",
                    "Buyurtmachi",
                    "foydasiga",
                ],
            ),
        ] {
            let pdf = render_statement(&s, &Issuer::default(), locale).unwrap();
            // `STATEMENT_PDF_DIR=/tmp/x` keeps them to look at (docs/images).
            if let Ok(dir) = std::env::var("STATEMENT_PDF_DIR") {
                let path = format!("{dir}/statement-{}.pdf", locale.as_str());
                std::fs::write(&path, &pdf).unwrap();
            }
            let (pages, text) = text_of(&pdf);
            assert_eq!(pages, 1, "{locale:?}");
            for e in expected {
                assert!(text.contains(e), "{locale:?}: {e:?} missing: {text}");
            }
            assert!(text.contains("INV-2026-00003"), "{text}");
            assert!(text.contains("Восток Логистик"), "{text}");
        }
    }

    #[test]
    fn the_same_statement_gives_the_same_bytes_and_a_long_one_paginates() {
        let s = sample(120);
        let issuer = Issuer::default();
        let a = render_statement(&s, &issuer, Locale::Ru).unwrap();
        let b = render_statement(&s, &issuer, Locale::Ru).unwrap();
        assert_eq!(crate::pdf::sha256_hex(&a), crate::pdf::sha256_hex(&b));
        let (pages, text) = text_of(&a);
        assert!(pages > 2, "{pages}");
        assert!(
            text.contains(&format!("Страница {pages} из {pages}")),
            "{text}"
        );
        assert!(
            text.contains("Акт сверки взаимных расчётов (продолжение)"),
            "{text}"
        );
        let last = lopdf::Document::load_mem(&a)
            .unwrap()
            .extract_text(&[pages as u32])
            .unwrap();
        assert_eq!(last.matches("М.П.").count(), 2, "{last}");
    }
}
