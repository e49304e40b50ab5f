//! Every word the invoice and credit-note PDFs print, per [`Locale`], in one place.
//!
//! Wording: Russian uses «Счёт на оплату» (a plain invoice; a «счёт-фактура» is a tax
//! document of its own) and «Кредит-нота»; Uzbek (Latin script, with U+02BB in oʻ/gʻ) uses
//! «Hisob-faktura» and «Kredit-nota», the words Uzbek accounting software prints. Sentences
//! avoid grammatical agreement with numbers (`дн.`, `kun`) so that one pattern fits all.

use crate::domain::Locale;

/// The fixed labels of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    pub locale: Locale,
    /// The invoice's title, upper case.
    pub invoice_title: &'static str,
    /// "Invoice" in running text and the PDF's title.
    pub invoice: &'static str,
    /// The credit note's title, upper case.
    pub credit_note_title: &'static str,
    /// "Credit note" in running text and the PDF's title.
    pub credit_note: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    pub due_date: &'static str,
    pub period: &'static str,
    pub po_number: &'static str,
    /// The credited invoice's number (credit-note facts).
    pub invoice_number: &'static str,
    /// The credited invoice's date (credit-note facts).
    pub invoice_date: &'static str,
    /// Heading of the client block on an invoice.
    pub bill_to: &'static str,
    /// Heading of the client block on a credit note.
    pub credit_to: &'static str,
    /// Before the client's tax id.
    pub tax_id: &'static str,
    pub description: &'static str,
    pub hours: &'static str,
    pub rate: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub amount: &'static str,
    pub no_lines: &'static str,
    pub subtotal: &'static str,
    /// Before the tax rate: "Tax 12%".
    pub tax: &'static str,
    pub total: &'static str,
    pub amount_credited: &'static str,
    pub notes: &'static str,
    pub payment_terms: &'static str,
    pub reason: &'static str,
    /// After a document's number on every page after the table's first.
    pub continued: &'static str,
    /// The timesheet's title, upper case.
    pub timesheet_title: &'static str,
    /// "Timesheet" in running text and the PDF's title.
    pub timesheet: &'static str,
    /// The date column of a timesheet.
    pub date: &'static str,
    /// A worklog's minutes.
    pub minutes: &'static str,
    /// Who worked, on what: a timesheet row's description column.
    pub work: &'static str,
    /// Closes each line's worklogs: its hours, the line's quantity.
    pub line_total: &'static str,
    /// The timesheet's grand total.
    pub total_hours: &'static str,
    /// The act of completed work's title, upper case.
    pub act_title: &'static str,
    /// "Certificate of completed work" in running text and the PDF's title.
    pub act: &'static str,
    /// The party that rendered the services (the issuer).
    pub contractor: &'static str,
    /// The party that received them (the client).
    pub customer: &'static str,
    /// Under a signature line.
    pub signature: &'static str,
    /// Where the stamp goes.
    pub stamp: &'static str,
    /// The act's grand total (what was rendered, not what to pay).
    pub act_total: &'static str,
}

/// English.
const EN: Labels = Labels {
    locale: Locale::En,
    invoice_title: "INVOICE",
    invoice: "Invoice",
    credit_note_title: "CREDIT NOTE",
    credit_note: "Credit note",
    number: "Number",
    issue_date: "Issue date",
    due_date: "Due date",
    period: "Period",
    po_number: "PO number",
    invoice_number: "Invoice",
    invoice_date: "Invoice date",
    bill_to: "Bill to",
    credit_to: "Credit to",
    tax_id: "Tax ID",
    description: "Description",
    hours: "Hours",
    rate: "Rate",
    quantity: "Quantity",
    unit_price: "Unit price",
    amount: "Amount",
    no_lines: "(no lines)",
    subtotal: "Subtotal",
    tax: "Tax",
    total: "Total",
    amount_credited: "Amount credited",
    notes: "Notes",
    payment_terms: "Payment terms",
    reason: "Reason",
    continued: "(continued)",
    timesheet_title: "TIMESHEET",
    timesheet: "Timesheet",
    date: "Date",
    minutes: "Minutes",
    work: "Work",
    line_total: "Line total",
    total_hours: "Total hours",
    act_title: "CERTIFICATE OF COMPLETED WORK",
    act: "Certificate of completed work",
    contractor: "Contractor",
    customer: "Customer",
    signature: "signature",
    stamp: "Stamp",
    act_total: "Total",
};

/// Russian.
const RU: Labels = Labels {
    locale: Locale::Ru,
    invoice_title: "СЧЁТ НА ОПЛАТУ",
    invoice: "Счёт",
    credit_note_title: "КРЕДИТ-НОТА",
    credit_note: "Кредит-нота",
    number: "Номер",
    issue_date: "Дата",
    due_date: "Оплатить до",
    period: "Период",
    po_number: "Номер заказа",
    invoice_number: "Счёт",
    invoice_date: "Дата счёта",
    bill_to: "Плательщик",
    credit_to: "Получатель",
    tax_id: "ИНН",
    description: "Описание",
    hours: "Часы",
    rate: "Ставка",
    quantity: "Количество",
    unit_price: "Цена",
    amount: "Сумма",
    no_lines: "(нет строк)",
    subtotal: "Сумма без налога",
    tax: "Налог",
    total: "Итого к оплате",
    amount_credited: "Итого к зачёту",
    notes: "Примечания",
    payment_terms: "Условия оплаты",
    reason: "Основание",
    continued: "(продолжение)",
    timesheet_title: "ТАБЕЛЬ РАБОЧЕГО ВРЕМЕНИ",
    timesheet: "Табель",
    date: "Дата",
    minutes: "Минуты",
    work: "Работа",
    line_total: "Итого по строке",
    total_hours: "Всего часов",
    act_title: "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ)",
    act: "Акт выполненных работ (оказанных услуг)",
    contractor: "Исполнитель",
    customer: "Заказчик",
    signature: "подпись",
    stamp: "М.П.",
    act_total: "Итого",
};

/// Uzbek, Latin script.
const UZ: Labels = Labels {
    locale: Locale::Uz,
    invoice_title: "HISOB-FAKTURA",
    invoice: "Hisob-faktura",
    credit_note_title: "KREDIT-NOTA",
    credit_note: "Kredit-nota",
    number: "Raqami",
    issue_date: "Sana",
    due_date: "Toʻlov muddati",
    period: "Davr",
    po_number: "Buyurtma raqami",
    invoice_number: "Hisob-faktura",
    invoice_date: "Hisob-faktura sanasi",
    bill_to: "Toʻlovchi",
    credit_to: "Oluvchi",
    tax_id: "STIR",
    description: "Tavsif",
    hours: "Soat",
    rate: "Stavka",
    quantity: "Miqdori",
    unit_price: "Narxi",
    amount: "Summa",
    no_lines: "(qatorlar yoʻq)",
    subtotal: "Soliqsiz summa",
    tax: "Soliq",
    total: "Jami toʻlov",
    amount_credited: "Jami kreditlangan",
    notes: "Izohlar",
    payment_terms: "Toʻlov shartlari",
    reason: "Asos",
    continued: "(davomi)",
    timesheet_title: "ISH VAQTI HISOBI",
    timesheet: "Ish vaqti hisobi",
    date: "Sana",
    minutes: "Daqiqa",
    work: "Ish",
    line_total: "Qator jami",
    total_hours: "Jami soat",
    act_title: "BAJARILGAN ISHLAR (KOʻRSATILGAN XIZMATLAR) DALOLATNOMASI",
    act: "Bajarilgan ishlar (koʻrsatilgan xizmatlar) dalolatnomasi",
    contractor: "Ijrochi",
    customer: "Buyurtmachi",
    signature: "imzo",
    stamp: "M.Oʻ.",
    act_total: "Jami",
};

impl Labels {
    /// The labels of `locale`.
    pub fn of(locale: Locale) -> &'static Labels {
        match locale {
            Locale::En => &EN,
            Locale::Ru => &RU,
            Locale::Uz => &UZ,
        }
    }

    /// `Page 2 of 5`.
    pub fn page_of(&self, page: usize, pages: usize) -> String {
        match self.locale {
            Locale::En => format!("Page {page} of {pages}"),
            Locale::Ru => format!("Страница {page} из {pages}"),
            Locale::Uz => format!("Sahifa {page} / {pages}"),
        }
    }

    /// The payment request under "Payment terms"; `amount` is already formatted with its
    /// currency, `due` is a formatted date.
    pub fn please_pay(&self, amount: &str, due: &str, days: i64, number: &str) -> String {
        match self.locale {
            Locale::En => format!(
                "Please pay {amount} by {due} ({days} days from the issue date), quoting {number}."
            ),
            Locale::Ru => format!(
                "Просим оплатить {amount} до {due} ({days} дн. с даты счёта), указав в \
                 назначении платежа номер {number}."
            ),
            Locale::Uz => format!(
                "Iltimos, {amount} miqdorini {due} sanasigacha ({days} kun ichida) toʻlang, \
                 toʻlov maqsadida {number} raqamini koʻrsating."
            ),
        }
    }

    /// What a credit note corrects: the credited invoice's number, date and period, all
    /// formatted.
    pub fn credits_invoice(&self, invoice: &str, date: &str, period: &str) -> String {
        match self.locale {
            Locale::En => format!("Credits invoice {invoice} of {date} (period {period})."),
            Locale::Ru => format!("Корректирует счёт {invoice} от {date} (период: {period})."),
            Locale::Uz => {
                format!("{date} sanali {invoice} hisob-fakturasiga tuzatish (davr: {period}).")
            }
        }
    }

    /// The closing sentence of a credit note; `amount` is formatted with its currency.
    pub fn reduces_amount_due(&self, invoice: &str, amount: &str) -> String {
        match self.locale {
            Locale::En => {
                format!("This credit note reduces the amount due on invoice {invoice} by {amount}.")
            }
            Locale::Ru => format!(
                "Настоящая кредит-нота уменьшает сумму к оплате по счёту {invoice} на {amount}."
            ),
            Locale::Uz => format!(
                "Ushbu kredit-nota {invoice} hisob-faktura boʻyicha toʻlanadigan summani \
                 {amount} miqdorida kamaytiradi."
            ),
        }
    }

    /// What the act is made under: the contract (number and, when known, its formatted
    /// date), else the invoice with its formatted date.
    pub fn act_basis(
        &self,
        contract: Option<(&str, Option<&str>)>,
        invoice: &str,
        invoice_date: &str,
    ) -> String {
        match (self.locale, contract) {
            (Locale::En, Some((n, Some(d)))) => {
                format!("Under contract No. {n} of {d} and invoice {invoice} of {invoice_date}.")
            }
            (Locale::En, Some((n, None))) => {
                format!("Under contract No. {n} and invoice {invoice} of {invoice_date}.")
            }
            (Locale::En, None) => format!("Under invoice {invoice} of {invoice_date}."),
            (Locale::Ru, Some((n, Some(d)))) => {
                format!("По договору № {n} от {d} и счёту {invoice} от {invoice_date}.")
            }
            (Locale::Ru, Some((n, None))) => {
                format!("По договору № {n} и счёту {invoice} от {invoice_date}.")
            }
            (Locale::Ru, None) => format!("По счёту {invoice} от {invoice_date}."),
            (Locale::Uz, Some((n, Some(d)))) => format!(
                "{d} sanadagi {n}-son shartnoma va {invoice_date} sanadagi {invoice} \
                 hisob-faktura asosida."
            ),
            (Locale::Uz, Some((n, None))) => format!(
                "{n}-son shartnoma va {invoice_date} sanadagi {invoice} hisob-faktura asosida."
            ),
            (Locale::Uz, None) => {
                format!("{invoice_date} sanadagi {invoice} hisob-faktura asosida.")
            }
        }
    }

    /// Before the act's services: the period they were rendered in, formatted.
    pub fn act_preamble(&self, period: &str) -> String {
        match self.locale {
            Locale::En => format!(
                "The Contractor has rendered and the Customer has accepted the following \
                 services for the period {period}:"
            ),
            Locale::Ru => format!(
                "Исполнитель оказал, а Заказчик принял следующие услуги за период {period}:"
            ),
            Locale::Uz => format!(
                "Ijrochi {period} davri uchun quyidagi xizmatlarni koʻrsatdi, Buyurtmachi esa \
                 ularni qabul qildi:"
            ),
        }
    }

    /// The act's closing statement: rendered in full, no claims.
    pub fn act_statement(&self) -> &'static str {
        match self.locale {
            Locale::En => {
                "The services above were rendered in full and on time. The parties have no \
                 claims against each other regarding their scope, quality or timing."
            }
            Locale::Ru => {
                "Вышеперечисленные услуги оказаны полностью и в срок. Стороны претензий друг \
                 к другу по объёму, качеству и срокам оказания услуг не имеют."
            }
            Locale::Uz => {
                "Yuqoridagi xizmatlar toʻliq va oʻz vaqtida koʻrsatildi. Tomonlarning bir-biriga \
                 xizmatlar hajmi, sifati va muddatlari boʻyicha daʼvolari yoʻq."
            }
        }
    }

    /// The total's equivalent in soums: `amount` (written with its currency), at the
    /// Central Bank rate published for `date`, `rate` being "1 USD = 12,735.37 UZS".
    pub fn equivalent(&self, amount: &str, date: &str, rate: &str) -> String {
        match self.locale {
            Locale::En => format!(
                "Equivalent: {amount} at the Central Bank of Uzbekistan rate of {date} ({rate})."
            ),
            Locale::Ru => format!(
                "Эквивалент: {amount} по курсу Центрального банка Республики Узбекистан на \
                 {date} ({rate})."
            ),
            Locale::Uz => format!(
                "Ekvivalenti: {amount}, Oʻzbekiston Respublikasi Markaziy banki {date} \
                 kursi boʻyicha ({rate})."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::font::{Face, metrics};

    fn every_text(l: &Labels) -> Vec<String> {
        vec![
            l.invoice_title.into(),
            l.invoice.into(),
            l.credit_note_title.into(),
            l.credit_note.into(),
            l.number.into(),
            l.issue_date.into(),
            l.due_date.into(),
            l.period.into(),
            l.po_number.into(),
            l.invoice_number.into(),
            l.invoice_date.into(),
            l.bill_to.into(),
            l.credit_to.into(),
            l.tax_id.into(),
            l.description.into(),
            l.hours.into(),
            l.rate.into(),
            l.quantity.into(),
            l.unit_price.into(),
            l.amount.into(),
            l.no_lines.into(),
            l.subtotal.into(),
            l.tax.into(),
            l.total.into(),
            l.amount_credited.into(),
            l.notes.into(),
            l.payment_terms.into(),
            l.reason.into(),
            l.continued.into(),
            l.page_of(1, 2),
            l.please_pay("1 UZS", "01.01.2026", 10, "INV-2026-00001"),
            l.credits_invoice("INV-2026-00001", "01.01.2026", "2026-01"),
            l.reduces_amount_due("INV-2026-00001", "1 UZS"),
            l.act_title.into(),
            l.act.into(),
            l.contractor.into(),
            l.customer.into(),
            l.signature.into(),
            l.stamp.into(),
            l.act_total.into(),
            l.act_basis(
                Some(("7/2026", Some("15.01.2026"))),
                "INV-2026-00001",
                "01.02.2026",
            ),
            l.act_basis(Some(("7/2026", None)), "INV-2026-00001", "01.02.2026"),
            l.act_basis(None, "INV-2026-00001", "01.02.2026"),
            l.act_preamble("2026-01"),
            l.act_statement().into(),
        ]
    }

    #[test]
    fn every_label_is_written_and_drawable() {
        for locale in Locale::ALL {
            let l = Labels::of(locale);
            assert_eq!(l.locale, locale);
            for text in every_text(l) {
                assert!(!text.trim().is_empty(), "{locale}: empty label");
                for face in [Face::Regular, Face::Bold] {
                    assert!(
                        metrics(face).has_glyphs(&text),
                        "{locale}: a glyph of {text:?} is missing"
                    );
                }
            }
        }
    }

    #[test]
    fn translations_differ_from_english() {
        let en = every_text(Labels::of(Locale::En));
        for locale in [Locale::Ru, Locale::Uz] {
            let other = every_text(Labels::of(locale));
            let same: Vec<_> = en.iter().zip(&other).filter(|(a, b)| a == b).collect();
            assert!(same.is_empty(), "{locale}: untranslated {same:?}");
        }
        assert_eq!(Labels::of(Locale::Ru).invoice_title, "СЧЁТ НА ОПЛАТУ");
        assert_eq!(Labels::of(Locale::Uz).invoice_title, "HISOB-FAKTURA");
    }
}
