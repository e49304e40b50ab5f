//! A client's money that is not one invoice's payment: a transfer allocated over several
//! invoices (its rest held as credit balance), credit balance applied to an invoice, and a
//! refund of credit balance. Pure rules: what may be allocated, applied or refunded.

use crate::domain::invoice::lifecycle::is_receivable;
use crate::domain::invoice::model::InvoiceHeader;
use crate::domain::invoice::money::{minor_unit, round_to};
use crate::domain::invoice::receivables::{PaymentMethod, due_now};
use crate::domain::text::{self, Lines};
use crate::{Error, FieldError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The most invoices one transfer is allocated to (one DynamoDB transaction holds them all).
pub const MAX_ALLOCATIONS: usize = 5;

/// The largest amount of one transfer, allocation or refund: far above any real one, and
/// small enough that no sum of them can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Part of a transfer for one invoice.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationRequest {
    pub invoice_id: Uuid,
    /// A decimal string, > 0, at most the invoice's amount due.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub amount: Decimal,
}

/// `POST /clients/{key}/payments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPaymentRequest {
    /// A decimal string in `currency`, > 0: what arrived.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "2000.00")]
    pub amount: Decimal,
    /// ISO 4217.
    pub currency: String,
    /// `YYYY-MM-DD`: the day the money arrived, not in the future.
    #[serde(with = "crate::domain::request_values::date")]
    pub received_on: NaiveDate,
    pub method: PaymentMethod,
    /// Up to 200 characters, e.g. the bank's transaction id.
    #[serde(default)]
    pub reference: Option<String>,
    /// Up to 5 invoices of the client in `currency`; what is left is credit balance.
    #[serde(default)]
    pub allocations: Vec<AllocationRequest>,
}

/// Part of a transfer that paid one invoice (one payment of that invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Allocation {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub amount: Decimal,
    /// The payment recorded on the invoice (`GET /invoices/{id}/payments`).
    pub payment_id: Uuid,
}

/// A transfer from a client, allocated to its invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientPayment {
    pub id: Uuid,
    pub client_key: String,
    #[schema(value_type = String, format = "decimal", example = "2000.00")]
    pub amount: Decimal,
    pub currency: String,
    pub received_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub allocations: Vec<Allocation>,
    /// What went to the credit balance.
    #[schema(value_type = String, format = "decimal", example = "670.00")]
    pub unallocated: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// The whole amount in soums at the Central Bank rate of `received_on`, frozen when
    /// recorded (each allocation's payment has its own part); `null` in UZS.
    #[serde(default)]
    pub accounting: Option<crate::rates::equivalent::PaymentAccounting>,
}

/// `POST /clients/{key}/refunds`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// A decimal string in `currency`, > 0, at most the credit balance.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "150.00")]
    pub amount: Decimal,
    /// ISO 4217.
    pub currency: String,
    /// `YYYY-MM-DD`: the day it was paid out, not in the future.
    #[serde(with = "crate::domain::request_values::date")]
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    /// Up to 200 characters.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Credit balance paid back to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    pub id: Uuid,
    pub client_key: String,
    #[schema(value_type = String, format = "decimal", example = "150.00")]
    pub amount: Decimal,
    pub currency: String,
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// Its value in soums at the Central Bank rate of `paid_on`, frozen when recorded;
    /// `null` in UZS.
    #[serde(default)]
    pub accounting: Option<crate::rates::equivalent::PaymentAccounting>,
}

/// `POST /invoices/{id}/apply-credit`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCreditRequest {
    /// A decimal string, > 0, at most the credit balance and the amount due.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "150.00")]
    pub amount: Decimal,
}

/// An amount of money in `currency`: above 0, with at most its minor-unit places.
fn check_amount(field: &str, amount: Decimal, currency: &str, errors: &mut Vec<FieldError>) {
    let places = minor_unit(currency);
    if amount <= Decimal::ZERO {
        errors.push(FieldError::out_of_range(field, "must be greater than 0"));
    } else if amount > Decimal::from(MAX_AMOUNT) {
        errors.push(FieldError::out_of_range(
            field,
            format!("must be at most {MAX_AMOUNT}"),
        ));
    } else if amount.normalize().scale() > places {
        let mut problem = FieldError::too_many_decimals(field, places);
        problem.message = format!("{} ({currency})", problem.message);
        errors.push(problem);
    }
}

/// The method of money that moved (credit balance is only applied, never received).
fn check_method(method: PaymentMethod, errors: &mut Vec<FieldError>) {
    if method == PaymentMethod::CreditBalance {
        errors.push(FieldError::new(
            "method",
            "credit_balance is what POST /invoices/{id}/apply-credit records; money received \
             or paid out is bank_transfer, card, cash or other",
        ));
    }
}

/// The currency and the fields of money itself (amount, day, method, reference).
fn check_money(
    currency: &str,
    amount: Decimal,
    day: (&str, NaiveDate),
    method: PaymentMethod,
    reference: Option<&str>,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if iso_currency::Currency::from_code(currency).is_none() {
        errors.push(FieldError::new("currency", "must be an ISO 4217 code"));
    } else {
        check_amount("amount", amount, currency, errors);
    }
    if day.1 > today {
        errors.push(FieldError::out_of_range(day.0, "must not be in the future"));
    }
    check_method(method, errors);
    if let Some(r) = reference {
        text::check_field("reference", r, 200, Lines::One, errors);
    }
}

/// Check a transfer of client `client_key` against its invoices (`invoices[i]`: the invoice
/// of `allocations[i]`, `None` when there is none): every problem at once, each allocation's
/// named `allocations[i]`. Allocations go to the client's issued invoices in the transfer's
/// currency, once each, each at most its amount due, in all at most the amount.
pub fn check_client_payment(
    client_key: &str,
    req: &ClientPaymentRequest,
    invoices: &[Option<InvoiceHeader>],
    today: NaiveDate,
) -> Result<()> {
    let mut errors = Vec::new();
    let currency = req.currency.trim();
    check_money(
        currency,
        req.amount,
        ("received_on", req.received_on),
        req.method,
        req.reference.as_deref(),
        today,
        &mut errors,
    );
    if req.allocations.len() > MAX_ALLOCATIONS {
        errors.push(FieldError::out_of_range(
            "allocations",
            format!(
                "at most {MAX_ALLOCATIONS} invoices per transfer; record the rest as another \
                 payment or apply its credit balance"
            ),
        ));
    }
    let mut total = Decimal::ZERO;
    for (i, (a, invoice)) in req.allocations.iter().zip(invoices).enumerate() {
        let field = format!("allocations[{i}]");
        if req.allocations[..i]
            .iter()
            .any(|b| b.invoice_id == a.invoice_id)
        {
            errors.push(FieldError::new(
                format!("{field}.invoice_id"),
                "the invoice is allocated twice",
            ));
            continue;
        }
        let Some(h) = invoice.as_ref().filter(|h| h.client_key == client_key) else {
            errors.push(FieldError::new(
                format!("{field}.invoice_id"),
                format!("not an invoice of client {client_key}"),
            ));
            continue;
        };
        if !is_receivable(h.status) {
            errors.push(FieldError::new(
                format!("{field}.invoice_id"),
                format!(
                    "the invoice is {}: only issued invoices are paid",
                    h.status.as_str()
                ),
            ));
            continue;
        }
        if h.currency != currency {
            errors.push(FieldError::new(
                format!("{field}.invoice_id"),
                format!(
                    "the invoice is in {}, the payment in {currency}",
                    h.currency
                ),
            ));
            continue;
        }
        let before = errors.len();
        check_amount(&format!("{field}.amount"), a.amount, currency, &mut errors);
        if errors.len() > before {
            continue;
        }
        let due = due_now(h);
        if a.amount > due {
            errors.push(FieldError::out_of_range(
                format!("{field}.amount"),
                format!(
                    "{} is more than the amount due on {}, {} {currency}",
                    a.amount,
                    h.number.as_deref().unwrap_or_default(),
                    round_to(due, minor_unit(currency))
                ),
            ));
        }
        if req.received_on < h.issue_date {
            errors.push(FieldError::out_of_range(
                "received_on",
                format!(
                    "must not be before the issue date of {}, {}",
                    h.number.as_deref().unwrap_or_default(),
                    h.issue_date
                ),
            ));
        }
        total += a.amount;
    }
    if total > req.amount {
        errors.push(FieldError::out_of_range(
            "allocations",
            format!(
                "the allocations add up to {total}, more than the amount {}",
                req.amount
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::fields(errors))
    }
}

/// Check a refund of credit balance `credit_balance`.
pub fn check_refund(req: &RefundRequest, credit_balance: Decimal, today: NaiveDate) -> Result<()> {
    let mut errors = Vec::new();
    let currency = req.currency.trim();
    check_money(
        currency,
        req.amount,
        ("paid_on", req.paid_on),
        req.method,
        req.reference.as_deref(),
        today,
        &mut errors,
    );
    if errors.is_empty() && req.amount > credit_balance {
        errors.push(FieldError::out_of_range(
            "amount",
            format!(
                "{} is more than the credit balance, {} {currency}",
                req.amount,
                round_to(credit_balance.max(Decimal::ZERO), minor_unit(currency))
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::fields(errors))
    }
}

/// Check credit applied to the invoice `h` from credit balance `credit_balance`.
pub fn check_apply_credit(
    h: &InvoiceHeader,
    amount: Decimal,
    credit_balance: Decimal,
) -> Result<()> {
    let mut errors = Vec::new();
    crate::domain::invoice::receivables::check_settling_amount(h, amount, &mut errors);
    if errors.is_empty() && amount > credit_balance {
        errors.push(FieldError::out_of_range(
            "amount",
            format!(
                "{amount} is more than the client's credit balance, {} {}",
                round_to(credit_balance.max(Decimal::ZERO), minor_unit(&h.currency)),
                h.currency
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::fields(errors))
    }
}

/// The rounded amount in `currency`'s places.
pub fn in_places(amount: Decimal, currency: &str) -> Decimal {
    round_to(amount, minor_unit(currency))
}
