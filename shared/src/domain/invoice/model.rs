//! The invoice as stored and as served.

use crate::domain::{Address, Client, ElectronicAddress, Period, VatCategory, scale};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;
use uuid::Uuid;

/// `draft` -> `finalized` -> `paid`, `finalized` -> `void`; what a finalized invoice says
/// never changes (see `invoice::lifecycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    Draft,
    Finalized,
    /// Finalized, and nothing is due any more.
    Paid,
    /// Finalized, then voided: its number stays used.
    Void,
}

impl InvoiceStatus {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Finalized => "finalized",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
        }
    }
}

impl FromStr for InvoiceStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(Self::Draft),
            "finalized" => Ok(Self::Finalized),
            "paid" => Ok(Self::Paid),
            "void" => Ok(Self::Void),
            _ => Err(()),
        }
    }
}

/// How worklogs become lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// One line per issue key (default).
    #[default]
    Issue,
    /// One line per author.
    Author,
    /// One line per work date.
    Day,
    /// One line for the whole period.
    None,
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupBy::Issue => "issue",
            GroupBy::Author => "author",
            GroupBy::Day => "day",
            GroupBy::None => "none",
        })
    }
}

/// Where a line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineSource {
    /// Built from worklogs; rebuilt by regenerate.
    Worklogs,
    /// Added by hand; kept by regenerate.
    Manual,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineItem {
    pub id: Uuid,
    pub description: String,
    /// Hours, 2 decimal places.
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "12.50")]
    pub quantity: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "95.00")]
    pub unit_price: Decimal,
    /// quantity x unit_price, rounded to the currency's minor unit.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "1187.50")]
    pub amount: Decimal,
    pub source: LineSource,
    /// The worklogs behind a `worklogs` line (empty for manual lines).
    pub worklog_ids: Vec<Uuid>,
}

/// The client as it was when the invoice was generated; the e-invoice buyer data
/// (`vat_id` to `vat_exemption_reason`) is taken again at finalize, so that a finalized
/// invoice's e-invoice never changes with later client edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientSnapshot {
    pub name: String,
    pub email: String,
    pub address: Address,
    pub tax_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_address: Option<ElectronicAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_category: Option<VatCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_exemption_reason: Option<String>,
    /// The client's contract as at finalize (printed on the act of completed work); `null`
    /// without one.
    #[serde(default)]
    pub contract_number: Option<String>,
    #[serde(default)]
    pub contract_date: Option<chrono::NaiveDate>,
}

impl ClientSnapshot {
    /// Take the client's e-invoice buyer data and contract (at finalize).
    pub fn record_buyer_data(&mut self, c: &Client) {
        self.contract_number = c.contract_number.clone();
        self.contract_date = c.contract_date;
        self.vat_id = c.vat_id.clone();
        self.electronic_address = c.electronic_address.clone();
        self.buyer_reference = c.buyer_reference.clone();
        self.vat_category = c.vat_category;
        self.vat_exemption_reason = c.vat_exemption_reason.clone();
    }
}

impl From<&Client> for ClientSnapshot {
    fn from(c: &Client) -> Self {
        let mut snapshot = Self {
            name: c.name.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            tax_id: c.tax_id.clone(),
            vat_id: None,
            electronic_address: None,
            buyer_reference: None,
            vat_category: None,
            vat_exemption_reason: None,
            contract_number: None,
            contract_date: None,
        };
        snapshot.record_buyer_data(c);
        snapshot
    }
}

/// The stored PDF of a finalized invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PdfInfo {
    /// Hex SHA-256 of the PDF bytes.
    pub sha256: String,
    pub size_bytes: u64,
}

/// Everything about an invoice but its lines: what lists show, and the stored header item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceHeader {
    pub id: Uuid,
    /// `INV-YYYY-NNNNN`; null until finalized.
    pub number: Option<String>,
    pub client_key: String,
    pub client: ClientSnapshot,
    #[schema(value_type = String, example = "2026-10")]
    pub period: Period,
    pub status: InvoiceStatus,
    pub currency: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub group_by: GroupBy,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "1187.50")]
    pub subtotal: Decimal,
    /// Percent.
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "12.00")]
    pub tax_rate: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "142.50")]
    pub tax_amount: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "1330.00")]
    pub total: Decimal,
    pub notes: Option<String>,
    pub po_number: Option<String>,
    /// Bumped by every write; send it back as `If-Match`.
    pub version: u64,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub updated_at: DateTime<Utc>,
    #[serde(default, with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub finalized_at: Option<DateTime<Utc>>,
    /// When it was last e-mailed (`POST /invoices/{id}/send`); null until then.
    #[serde(default, with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub sent_at: Option<DateTime<Utc>>,
    /// What payments (not reversed) have paid.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_paid: Decimal,
    /// What credit notes have taken off.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_credited: Decimal,
    /// The net (before tax) part of `amount_credited`: the sum of its credit notes'
    /// subtotals, never above `subtotal`. Raised in the same transaction as each note.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_credited_net: Decimal,
    /// The tax part of `amount_credited`: the sum of its credit notes' tax amounts, never
    /// above `tax_amount`.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_credited_tax: Decimal,
    /// What write-offs (not reversed) have closed without money (a bank fee, a rounding,
    /// a bad debt).
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_written_off: Decimal,
    /// `total - amount_paid - amount_credited - amount_written_off`, never below zero.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "1330.00")]
    pub amount_due: Decimal,
    /// What payments and credit notes together exceed the total by (a refund owed to the
    /// client, e.g. a full credit after full payment): `max(0, amount_paid +
    /// amount_credited - total)`, 0.00 normally. Recorded nowhere else yet.
    #[serde(default)]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "0.00")]
    pub amount_overpaid: Decimal,
    /// From what is paid: `unpaid`, `partially_paid` or `paid`. Drafts and void invoices
    /// owe nothing (`amount_due` 0.00) and show `unpaid`; the `payment_status` list filter
    /// never returns them.
    #[serde(default)]
    pub payment_status: PaymentStatus,
    /// Something is due and the due date has passed in the client's time zone (worked out
    /// when the invoice is read).
    #[serde(default)]
    pub overdue: bool,
    /// The client's IANA time zone when the invoice was generated (for `overdue`).
    #[serde(default)]
    pub timezone: Option<String>,
    pub pdf: Option<PdfInfo>,
    /// The issuer as printed on the PDF, recorded at finalize (null for drafts), so that a
    /// document rendered again later is byte-identical even after the company's details
    /// change.
    #[serde(default)]
    pub issuer: Option<crate::domain::issuer::Issuer>,
    /// The language the PDF is printed in: the client's `locale`, recorded at finalize (null
    /// for drafts, and for invoices finalized before locales were recorded, which print in
    /// English), so that a later re-render is byte-identical whatever the client's locale
    /// is by then.
    #[serde(default)]
    pub locale: Option<crate::domain::Locale>,
    /// The amounts in soums at the Central Bank rate of the issue date, recorded at
    /// finalize for an invoice in another currency (`null` for drafts, UZS invoices and
    /// invoices finalized before it was recorded).
    #[serde(default)]
    pub accounting: Option<crate::rates::Accounting>,
}

/// An invoice with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Invoice {
    #[serde(flatten)]
    pub header: InvoiceHeader,
    pub line_items: Vec<LineItem>,
}

impl Invoice {
    /// Decimal places of the invoice's currency.
    pub fn places(&self) -> u32 {
        super::money::minor_unit(&self.header.currency)
    }

    /// Write every amount and price with the currency's minor-unit places, quantities and
    /// the tax rate with 2 (`domain::scale`): what every invoice answer shows.
    pub fn fix_scales(&mut self) {
        let places = self.places();
        self.header.fix_scales();
        for l in &mut self.line_items {
            l.quantity = scale::fixed(l.quantity, scale::QUANTITY_PLACES);
            l.unit_price = scale::fixed(l.unit_price, places);
            l.amount = scale::fixed(l.amount, places);
        }
    }

    /// Recompute subtotal, tax and total from the lines and the tax rate (and fix the
    /// scales of every number, see [`Invoice::fix_scales`]).
    pub fn recompute_totals(&mut self) {
        let t = super::money::totals(
            self.line_items.iter().map(|l| l.amount),
            self.header.tax_rate,
            self.places(),
        );
        self.header.subtotal = t.subtotal;
        self.header.tax_amount = t.tax_amount;
        self.header.total = t.total;
        self.fix_scales();
    }
}

impl InvoiceHeader {
    /// Amounts with the currency's minor-unit places, the tax rate with 2.
    pub fn fix_scales(&mut self) {
        let places = scale::minor_unit(&self.currency);
        for v in [
            &mut self.subtotal,
            &mut self.tax_amount,
            &mut self.total,
            &mut self.amount_paid,
            &mut self.amount_credited,
            &mut self.amount_credited_net,
            &mut self.amount_credited_tax,
            &mut self.amount_written_off,
            &mut self.amount_due,
            &mut self.amount_overpaid,
        ] {
            *v = scale::fixed(*v, places);
        }
        self.tax_rate = scale::fixed(self.tax_rate, scale::PERCENT_PLACES);
    }
}

/// How much of an invoice is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    #[default]
    Unpaid,
    PartiallyPaid,
    Paid,
}

impl PaymentStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::PartiallyPaid => "partially_paid",
            PaymentStatus::Paid => "paid",
        }
    }
}

impl std::str::FromStr for PaymentStatus {
    type Err = ();

    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "unpaid" => Ok(Self::Unpaid),
            "partially_paid" => Ok(Self::PartiallyPaid),
            "paid" => Ok(Self::Paid),
            _ => Err(()),
        }
    }
}

/// Filters of `GET /invoices`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub status: Option<InvoiceStatus>,
    pub client_key: Option<String>,
    pub period: Option<Period>,
    pub payment_status: Option<PaymentStatus>,
    /// `true`: only overdue invoices; `false`: only those that are not.
    pub overdue: Option<bool>,
    /// Due on or after this day.
    pub due_from: Option<NaiveDate>,
    /// Due on or before this day.
    pub due_to: Option<NaiveDate>,
    /// Only the invoice with this number (`INV-2026-00042`): at most one.
    pub number: Option<String>,
    /// The instant `overdue` is judged at.
    pub now: Option<DateTime<Utc>>,
}

impl InvoiceFilter {
    /// Whether any filter needs [`InvoiceFilter::matches`].
    pub fn has_receivables_filters(&self) -> bool {
        self.payment_status.is_some()
            || self.overdue.is_some()
            || self.due_from.is_some()
            || self.due_to.is_some()
    }
}
