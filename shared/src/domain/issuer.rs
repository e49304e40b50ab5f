//! The company that issues the invoices (EN 16931 seller, BG-4), configured per deployment
//! and recorded in every document at finalize. [`IssuerDetails::printed`] gives the lines
//! the PDF prints.

use super::vat::{ElectronicAddress, looks_like_vat_id};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where the issuer is paid (EN 16931 BG-17): an IBAN (with its BIC), or an account number
/// and the bank's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BankAccount {
    pub iban: Option<String>,
    /// BIC / SWIFT code of the bank.
    pub bic: Option<String>,
    /// An account number that is not an IBAN.
    pub account: Option<String>,
    pub bank_name: Option<String>,
}

impl BankAccount {
    /// The account identifier (BT-84): the IBAN, else the account number.
    pub fn account_id(&self) -> Option<&str> {
        self.iban.as_deref().or(self.account.as_deref())
    }
}

/// The issuer's structured details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuerDetails {
    /// Registered name (BT-27).
    pub legal_name: String,
    /// Street lines (BT-35, BT-36, BT-162).
    pub address_lines: Vec<String>,
    /// BT-37.
    pub city: String,
    /// BT-38.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 (BT-40).
    pub country: String,
    /// VAT identifier with its country prefix (BT-31), e.g. `DE123456789`.
    pub vat_id: Option<String>,
    /// Legal registration / company identifier (BT-30), printed as the tax id.
    pub company_id: Option<String>,
    /// Contact e-mail (BT-43).
    pub email: Option<String>,
    pub bank: Option<BankAccount>,
    /// Where e-invoices to the issuer go (BT-34).
    pub electronic_address: Option<ElectronicAddress>,
}

impl IssuerDetails {
    /// The demo company (every issuer variable unset).
    pub fn demo() -> Self {
        Self {
            legal_name: "Proxima Software MChJ".into(),
            address_lines: vec!["Mustaqillik shoh koʻchasi 59".into()],
            city: "Toshkent".into(),
            postal_code: Some("100000".into()),
            country: "UZ".into(),
            vat_id: Some("UZ300000000".into()),
            company_id: Some("300000000".into()),
            email: Some("billing@prxm.uz".into()),
            bank: Some(BankAccount {
                iban: None,
                bic: Some("KACHUZ22".into()),
                account: Some("20208000000000000001".into()),
                bank_name: Some("Kapitalbank".into()),
            }),
            electronic_address: Some(ElectronicAddress {
                scheme: "EM".into(),
                id: "billing@prxm.uz".into(),
            }),
        }
    }

    /// Problems with the details, each as `(variable suffix, reason)`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.legal_name.trim().is_empty() {
            out.push(("NAME", "must not be empty".into()));
        }
        if self.city.trim().is_empty() {
            out.push(("CITY", "must not be empty".into()));
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            out.push(("COUNTRY", "must be an ISO 3166-1 alpha-2 code".into()));
        }
        if let Some(v) = &self.vat_id
            && !looks_like_vat_id(v)
        {
            out.push((
                "VAT_ID",
                "must start with a 2-letter country prefix (DE123456789)".into(),
            ));
        }
        if let Some(e) = &self.electronic_address {
            let mut errors = Vec::new();
            e.checked("electronic_address", &mut errors);
            if !errors.is_empty() {
                out.push((
                    "ELECTRONIC_ADDRESS",
                    "must be SCHEME:ID with an EAS scheme (0088:4000001123452, EM:a@b.c)".into(),
                ));
            }
        }
        out
    }

    /// The lines the PDF prints, with these details recorded alongside.
    pub fn printed(&self) -> Issuer {
        let mut address = self.address_lines.clone();
        let town = match &self.postal_code {
            Some(p) => format!("{p} {}", self.city),
            None => self.city.clone(),
        };
        address.push(format!("{town}, {}", self.country));
        let ids: Vec<String> = self
            .vat_id
            .iter()
            .map(|v| format!("VAT ID: {v}"))
            .chain(self.company_id.iter().map(|c| format!("Tax ID: {c}")))
            .collect();
        let bank = self
            .bank
            .iter()
            .map(|b| {
                let parts: Vec<String> = b
                    .bank_name
                    .iter()
                    .map(|n| format!("Bank: {n}"))
                    .chain(b.bic.iter().map(|c| format!("SWIFT {c}")))
                    .chain(b.iban.iter().map(|i| format!("IBAN {i}")))
                    .chain(b.account.iter().map(|a| format!("account {a}")))
                    .collect();
                parts.join(", ")
            })
            .filter(|l| !l.is_empty())
            .collect();
        Issuer {
            name: self.legal_name.clone(),
            address,
            tax_id: (!ids.is_empty()).then(|| ids.join(" · ")),
            email: self.email.clone(),
            bank,
            details: Some(self.clone()),
        }
    }
}

/// The company that sends the invoices, printed in the header (from configuration;
/// recorded in the invoice at finalize, see `InvoiceHeader::issuer`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Issuer {
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: Option<String>,
    pub email: Option<String>,
    /// Payment instructions, one line each (bank, IBAN, ...).
    pub bank: Vec<String>,
    /// The structured details these lines were printed from (what e-invoices need);
    /// absent on documents finalized before they were recorded. The PDF ignores them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<IssuerDetails>,
}

impl Default for Issuer {
    /// The demo company.
    fn default() -> Self {
        IssuerDetails::demo().printed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_prints_as_before() {
        let p = IssuerDetails::demo().printed();
        assert_eq!(p.name, "Proxima Software MChJ");
        assert_eq!(
            p.address,
            ["Mustaqillik shoh koʻchasi 59", "100000 Toshkent, UZ"]
        );
        assert_eq!(
            p.bank,
            ["Bank: Kapitalbank, SWIFT KACHUZ22, account 20208000000000000001"]
        );
        assert_eq!(
            p.tax_id.as_deref(),
            Some("VAT ID: UZ300000000 · Tax ID: 300000000")
        );
        assert!(IssuerDetails::demo().problems().is_empty());
    }
}
