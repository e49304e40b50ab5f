//! A finalized invoice or a credit note as an EN 16931 semantic invoice (`en16931`), from
//! what the document recorded at finalize only (issuer details, buyer data, lines,
//! amounts), so the same document always gives the same e-invoice. What the norm needs and
//! the document lacks is refused with the business terms (BT-xx) named, never written.

use crate::domain::VatCategory;
use crate::domain::invoice::credit_note::CreditNote;
use crate::domain::invoice::model::{ClientSnapshot, Invoice};
use crate::domain::issuer::Issuer;
use crate::domain::issuer::IssuerDetails;
use crate::rates::Accounting;
use crate::{Error, FieldError, Result};
use chrono::NaiveDate;
use en16931::invoice::{
    Code, Contact, CreditTransfer, DocumentTotals, Party, PaymentInstructions, PaymentMeans,
    Period as EnPeriod, PostalAddress, PrecedingInvoice, PriceDetails, VatBreakdown,
};
use en16931::profiles::En16931;
use en16931::validation::profile::Validated;
use en16931::{
    Date, DocumentKind, DocumentReference, Identifier, InvoiceAmount, InvoiceLine, Percentage,
    Quantity, UnitPriceAmount,
};
use rust_decimal::Decimal;

/// BT-24 of the EN 16931 core.
const SPECIFICATION: &str = "urn:cen.eu:en16931:2017";
/// UN/ECE Recommendation 20: one hour.
const HOUR: &str = "HUR";

/// One line as the e-invoice states it.
struct Line<'a> {
    description: &'a str,
    quantity: Decimal,
    unit_price: Decimal,
    amount: Decimal,
}

/// What both kinds of document give the e-invoice.
struct Source<'a> {
    credit_note_of: Option<(&'a str, NaiveDate)>,
    number: &'a str,
    issue_date: NaiveDate,
    due_date: Option<NaiveDate>,
    currency: &'a str,
    buyer: &'a ClientSnapshot,
    issuer: Option<&'a Issuer>,
    lines: Vec<Line<'a>>,
    subtotal: Decimal,
    tax_rate: Decimal,
    tax_amount: Decimal,
    total: Decimal,
    period: Option<(NaiveDate, NaiveDate)>,
    po_number: Option<&'a str>,
    note: Option<String>,
    /// The UZS equivalent frozen on the document (BT-6 and BT-111), if it has one.
    accounting: Option<&'a Accounting>,
}

/// A finalized (paid, void) invoice as a validated EN 16931 invoice.
pub fn from_invoice(invoice: &Invoice) -> Result<Validated<En16931>> {
    let h = &invoice.header;
    let number = h
        .number
        .as_deref()
        .ok_or_else(|| Error::Conflict("a draft has no e-invoice; finalize it first".into()))?;
    build(Source {
        credit_note_of: None,
        number,
        issue_date: h.issue_date,
        due_date: Some(h.due_date),
        currency: &h.currency,
        buyer: &h.client,
        issuer: h.issuer.as_ref(),
        lines: invoice
            .line_items
            .iter()
            .map(|l| Line {
                description: &l.description,
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        subtotal: h.subtotal,
        tax_rate: h.tax_rate,
        tax_amount: h.tax_amount,
        total: h.total,
        period: Some((h.period.first_day(), h.period.last_day())),
        po_number: h.po_number.as_deref(),
        note: h.notes.clone(),
        accounting: h.accounting.as_ref(),
    })
}

/// A credit note as a validated EN 16931 credit note (type 381) citing its invoice (BT-25).
pub fn from_credit_note(note: &CreditNote) -> Result<Validated<En16931>> {
    build(Source {
        credit_note_of: Some((&note.invoice_number, note.invoice_issue_date)),
        number: &note.number,
        issue_date: note.issue_date,
        due_date: None,
        currency: &note.currency,
        buyer: &note.client,
        issuer: Some(&note.issuer),
        lines: note
            .lines
            .iter()
            .map(|l| Line {
                description: &l.description,
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        subtotal: note.subtotal,
        tax_rate: note.tax_rate,
        tax_amount: note.tax_amount,
        total: note.total,
        period: Some((
            note.invoice_period.first_day(),
            note.invoice_period.last_day(),
        )),
        po_number: None,
        note: Some(note.reason.clone()),
        accounting: note.accounting.as_ref(),
    })
}

/// The 400 answer naming what is missing or wrong.
fn missing(details: Vec<FieldError>) -> Error {
    let message = format!(
        "the e-invoice cannot be made: {}",
        details
            .iter()
            .map(|d| format!("{} {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Error::Validation { message, details }
}

fn date(d: NaiveDate) -> Result<Date> {
    use chrono::Datelike;
    Date::new(d.year(), d.month() as u8, d.day() as u8)
        .map_err(|e| Error::Internal(format!("date {d}: {e}")))
}

/// An amount in the e-invoice: EN 16931 allows at most 2 decimals (BR-DEC-*), which every
/// currency with 0-2 minor digits meets; a 3-digit currency (KWD, BHD...) cannot be
/// expressed.
fn amount(value: Decimal, term: &str) -> std::result::Result<InvoiceAmount, FieldError> {
    InvoiceAmount::from_decimal_exact(value.normalize()).map_err(|_| {
        FieldError::new(
            term,
            format!(
                "amount {value} has more than 2 decimals, which EN 16931 does not allow \
                 (currencies with 3 minor digits cannot be invoiced electronically)"
            ),
        )
    })
}

/// The VAT category of the document and its problems.
fn category_of(src: &Source<'_>, errors: &mut Vec<FieldError>) -> Option<VatCategory> {
    let category = src
        .buyer
        .vat_category
        .or_else(|| VatCategory::implied_by(src.tax_rate));
    let Some(category) = category else {
        errors.push(FieldError::new(
            "BT-151",
            "(VAT category) is not known: the tax rate is 0 % and the client has no \
             vat_category (Z zero rated, E exempt, AE reverse charge or O outside scope)",
        ));
        return None;
    };
    let mut problems = Vec::new();
    category.check(
        src.tax_rate,
        src.buyer.vat_exemption_reason.as_deref(),
        src.buyer.vat_id.is_some(),
        &mut problems,
    );
    for p in problems {
        let term = match p.field.as_str() {
            "tax_rate" => "BT-152",
            "vat_exemption_reason" => "BT-120",
            _ => "BT-48",
        };
        errors.push(FieldError::new(
            term,
            format!("({}) {}", p.field, p.message),
        ));
    }
    Some(category)
}

/// The seller (BG-4) from the recorded issuer details.
fn seller(
    details: &IssuerDetails,
    category: VatCategory,
    errors: &mut Vec<FieldError>,
) -> Option<Party> {
    let address = postal(
        &details.address_lines,
        &details.city,
        details.postal_code.as_deref(),
        &details.country,
        "BT-40",
        errors,
    )?;
    let mut party = Party::new(details.legal_name.clone(), address);
    if category == VatCategory::O {
        // BR-O-02: no VAT identifiers outside the scope of VAT; BR-CO-26 then wants BT-30.
        match &details.company_id {
            Some(id) => party.legal_registration = Some(Identifier::new(id.clone())),
            None => errors.push(FieldError::new(
                "BT-30",
                "(seller legal registration identifier) is required outside the scope of VAT \
                 (category O): set ISSUER_COMPANY_ID",
            )),
        }
    } else {
        match &details.vat_id {
            Some(v) => party = party.with_vat_identifier(v.clone()),
            None => errors.push(FieldError::new(
                "BT-31",
                format!(
                    "(seller VAT identifier) is required for VAT category {}: set ISSUER_VAT_ID",
                    category.code()
                ),
            )),
        }
        if let Some(id) = &details.company_id {
            party.legal_registration = Some(Identifier::new(id.clone()));
        }
    }
    if let Some(e) = &details.electronic_address {
        party = party.with_electronic_address(Identifier::schemed(e.id.clone(), e.scheme.clone()));
    }
    if let Some(email) = &details.email {
        party = party.with_contact(Contact {
            email: Some(email.clone()),
            ..Contact::default()
        });
    }
    Some(party)
}

/// The buyer (BG-7) from the client snapshot.
fn buyer(b: &ClientSnapshot, category: VatCategory, errors: &mut Vec<FieldError>) -> Option<Party> {
    let lines: Vec<String> = std::iter::once(b.address.line1.clone())
        .chain(b.address.line2.clone())
        .collect();
    let address = postal(
        &lines,
        &b.address.city,
        b.address.postal_code.as_deref(),
        &b.address.country,
        "BT-55",
        errors,
    )?;
    let mut party = Party::new(b.name.clone(), address);
    if category != VatCategory::O
        && let Some(v) = &b.vat_id
    {
        party = party.with_vat_identifier(v.clone());
    }
    if let Some(t) = &b.tax_id {
        party.legal_registration = Some(Identifier::new(t.clone()));
    }
    if let Some(e) = &b.electronic_address {
        party = party.with_electronic_address(Identifier::schemed(e.id.clone(), e.scheme.clone()));
    }
    party = party.with_contact(Contact {
        email: Some(b.email.clone()),
        ..Contact::default()
    });
    Some(party)
}

fn postal(
    lines: &[String],
    city: &str,
    postal_code: Option<&str>,
    country: &str,
    country_term: &str,
    errors: &mut Vec<FieldError>,
) -> Option<PostalAddress> {
    let mut address = match PostalAddress::new(
        lines.first().cloned().unwrap_or_default(),
        city,
        postal_code.unwrap_or_default(),
        country,
    ) {
        Ok(a) => a,
        Err(_) => {
            errors.push(FieldError::new(
                country_term,
                format!("(country code) {country:?} is not an ISO 3166-1 alpha-2 code"),
            ));
            return None;
        }
    };
    if lines.is_empty() {
        address.line1 = None;
    }
    address.line2 = lines.get(1).cloned();
    address.line3 = lines.get(2).cloned();
    if postal_code.is_none() {
        address.post_code = None;
    }
    Some(address)
}

fn build(src: Source<'_>) -> Result<Validated<En16931>> {
    let mut errors = Vec::new();
    let category = category_of(&src, &mut errors);
    let details = match src.issuer.and_then(|i| i.details.as_ref()) {
        Some(d) => Some(d),
        None => {
            errors.push(FieldError::new(
                "BG-4",
                "(seller: BT-27 name, BT-31 VAT identifier, BT-40 country) was not recorded \
                 when this document was finalized (it predates structured issuer details)",
            ));
            None
        }
    };
    let seller = match (details, category) {
        (Some(d), Some(c)) => seller(d, c, &mut errors),
        _ => None,
    };
    let buyer = category.and_then(|c| buyer(src.buyer, c, &mut errors));
    // Outside the scope of VAT there is no rate at all (BR-O-05, BR-O-09).
    let rate =
        (category != Some(VatCategory::O)).then(|| Percentage::new(src.tax_rate.normalize()));
    let mut lines = Vec::with_capacity(src.lines.len());
    for (i, l) in src.lines.iter().enumerate() {
        match amount(l.amount, "BT-131") {
            Ok(net) => lines.push(
                InvoiceLine::new(
                    (i + 1).to_string(),
                    l.description,
                    Quantity::new(l.quantity),
                    HOUR,
                    net,
                    category.map(VatCategory::code).unwrap_or("S"),
                    rate,
                )
                .with_price(PriceDetails {
                    net_price: UnitPriceAmount::new(l.unit_price.normalize()),
                    ..PriceDetails::default()
                }),
            ),
            Err(e) => {
                errors.push(e);
                break;
            }
        }
    }
    let subtotal = amount(src.subtotal, "BT-106")
        .map_err(|e| errors.push(e))
        .ok();
    let tax = amount(src.tax_amount, "BT-110")
        .map_err(|e| errors.push(e))
        .ok();
    let total = amount(src.total, "BT-112").map_err(|e| errors.push(e)).ok();
    // The VAT in the books' currency (BR-53: BT-111 whenever BT-6 is given).
    let accounting_tax = match src.accounting {
        Some(a) => amount(a.tax, "BT-111")
            .map(|tax| Some((Code::new(&a.currency), tax)))
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            }),
        None => None,
    };
    let (Some(category), Some(seller), Some(buyer), Some(subtotal), Some(tax), Some(total)) =
        (category, seller, buyer, subtotal, tax, total)
    else {
        return Err(missing(errors));
    };
    if !errors.is_empty() {
        return Err(missing(errors));
    }
    let type_code = if src.credit_note_of.is_some() {
        "381"
    } else {
        "380"
    };
    let mut builder = en16931::Invoice::builder(
        SPECIFICATION,
        src.number,
        date(src.issue_date)?,
        Code::new(type_code),
        Code::new(src.currency),
    )
    .seller(seller.clone())
    .buyer(buyer)
    .vat_breakdown(VatBreakdown {
        taxable_amount: subtotal,
        tax_amount: tax,
        category: Code::new(category.code()),
        rate,
        exemption_reason: match category {
            VatCategory::E | VatCategory::AE | VatCategory::O => Some(
                src.buyer
                    .vat_exemption_reason
                    .clone()
                    .unwrap_or_else(|| match category {
                        VatCategory::AE => "Reverse charge".into(),
                        _ => "Not subject to VAT".into(),
                    }),
            ),
            _ => None,
        },
        exemption_reason_code: match category {
            VatCategory::AE => Some(Code::new("VATEX-EU-AE")),
            VatCategory::O => Some(Code::new("VATEX-EU-O")),
            _ => None,
        },
    })
    .totals(DocumentTotals {
        line_total: subtotal,
        taxable_total: subtotal,
        vat_total: Some(tax),
        gross_total: total,
        due: total,
        ..DocumentTotals::default()
    });
    for line in lines {
        builder = builder.line(line);
    }
    if let Some(due) = src.due_date {
        builder = builder.due_date(date(due)?);
    }
    if let Some(r) = &src.buyer.buyer_reference {
        builder = builder.buyer_reference(r.clone());
    }
    if let Some(n) = &src.note {
        builder = builder.note(n.clone());
    }
    let mut doc = builder.build();
    if let Some((invoice_number, invoice_date)) = src.credit_note_of {
        doc.kind = DocumentKind::CreditNote;
        doc.preceding_invoices = vec![PrecedingInvoice {
            reference: DocumentReference::new(invoice_number),
            issue_date: Some(date(invoice_date)?),
        }];
        // BR-CO-25: a positive amount with no due date needs payment terms.
        doc.payment_terms = Some(format!(
            "Credited against invoice {invoice_number}; settled against what it asks for"
        ));
    }
    if let Some((currency, tax)) = accounting_tax {
        doc.vat_accounting_currency = Some(currency);
        doc.totals.vat_total_accounting = Some(tax);
    }
    if let Some(po) = src.po_number {
        doc.purchase_order_reference = Some(DocumentReference::new(po));
    }
    if let Some((start, end)) = src.period {
        doc.invoicing_period = Some(EnPeriod {
            start: Some(date(start)?),
            end: Some(date(end)?),
        });
    }
    if src.credit_note_of.is_none()
        && let Some(bank) = details.and_then(|d| d.bank.as_ref())
        && let Some(account) = bank.account_id()
    {
        doc.payment = Some(PaymentInstructions {
            // 58: SEPA credit transfer (an IBAN); 30: any other credit transfer.
            means_code: Some(Code::new(if bank.iban.is_some() { "58" } else { "30" })),
            means: Some(PaymentMeans::CreditTransfer(vec![CreditTransfer {
                account_identifier: Some(account.to_string()),
                account_name: Some(seller.name.clone().unwrap_or_default()),
                provider_identifier: bank.bic.clone(),
            }])),
            remittance_information: Some(src.number.to_string()),
            ..PaymentInstructions::default()
        });
    }
    Validated::<En16931>::new(doc).map_err(|rejected| {
        let details = rejected
            .report()
            .fatal()
            .map(|f| FieldError::new(f.path.to_string(), format!("[{}] {}", f.rule, f.message)))
            .collect::<Vec<_>>();
        if details.is_empty() {
            Error::Internal("EN 16931 validation rejected the e-invoice without a finding".into())
        } else {
            missing(details)
        }
    })
}
