//! Demo data for the local stack: three users (one per role), five clients (USD, EUR, UZS;
//! one inactive; Cyrillic and Uzbek Latin names) and a few hundred worklogs over the last
//! three calendar months. Deterministic ids, so seeding twice changes nothing.

use anyhow::Result;
use chrono::{Datelike, NaiveDate, Utc};
use proxima::auth::password::hash_password;
use proxima::domain::{
    Address, ClientInput, ElectronicAddress, Period, Role, User, VatCategory, WorklogInput,
};
use proxima::ports::{ClientStore, UserStore, WorklogStore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Demo logins: (e-mail, password, name, role).
pub const DEMO_USERS: &[(&str, &str, &str, Role)] = &[
    (
        "admin@proxima.local",
        "admin-demo-pass",
        "Aziza Karimova",
        Role::Admin,
    ),
    (
        "accountant@proxima.local",
        "accountant-demo-pass",
        "Oʻtkir Gʻulomov",
        Role::Accountant,
    ),
    (
        "viewer@proxima.local",
        "viewer-demo-pass",
        "Мария Иванова",
        Role::Viewer,
    ),
];

struct DemoClient {
    key: &'static str,
    name: &'static str,
    email: &'static str,
    line1: &'static str,
    city: &'static str,
    postal: &'static str,
    country: &'static str,
    tax_id: &'static str,
    currency: &'static str,
    rate: &'static str,
    tax: &'static str,
    terms: u32,
    tz: &'static str,
    active: bool,
    /// VAT id (BT-48), VAT category, e-invoice address `(scheme, id)`, buyer reference.
    vat_id: Option<&'static str>,
    vat_category: Option<VatCategory>,
    electronic_address: Option<(&'static str, &'static str)>,
    buyer_reference: Option<&'static str>,
}

const DEMO_CLIENTS: &[DemoClient] = &[
    DemoClient {
        key: "ACME",
        name: "Acme Corporation",
        email: "billing@acme.example",
        line1: "350 Fifth Avenue",
        city: "New York",
        postal: "10118",
        country: "US",
        tax_id: "US-12-3456789",
        currency: "USD",
        rate: "95.00",
        tax: "0",
        terms: 30,
        tz: "America/New_York",
        active: true,
        vat_id: None,
        vat_category: Some(VatCategory::O),
        electronic_address: None,
        buyer_reference: None,
    },
    DemoClient {
        key: "NORDLICHT",
        name: "Nordlicht Software GmbH",
        email: "rechnung@nordlicht.example",
        line1: "Friedrichstraße 68",
        city: "Berlin",
        postal: "10117",
        country: "DE",
        tax_id: "DE123456789",
        currency: "EUR",
        rate: "82.50",
        tax: "19",
        terms: 14,
        tz: "Europe/Berlin",
        active: true,
        vat_id: Some("DE123456789"),
        vat_category: Some(VatCategory::S),
        electronic_address: Some(("EM", "rechnung@nordlicht.example")),
        buyer_reference: Some("04011000-12345-03"),
    },
    DemoClient {
        key: "GULZOR",
        name: "Gʻulzor Toʻqimachilik MChJ",
        email: "buxgalteriya@gulzor.example",
        line1: "Oʻzbekiston ovozi koʻchasi 21",
        city: "Toshkent",
        postal: "100000",
        country: "UZ",
        tax_id: "305123456",
        currency: "UZS",
        rate: "450000.00",
        tax: "12",
        terms: 10,
        tz: "Asia/Tashkent",
        active: true,
        vat_id: Some("UZ305123456"),
        vat_category: Some(VatCategory::S),
        electronic_address: None,
        buyer_reference: None,
    },
    DemoClient {
        key: "VOSTOK",
        name: "ООО «Восток Логистик»",
        email: "schet@vostok.example",
        line1: "ул. Амира Темура, 107Б",
        city: "Ташкент",
        postal: "100084",
        country: "UZ",
        tax_id: "307654321",
        currency: "USD",
        rate: "60.00",
        tax: "12",
        terms: 15,
        tz: "Asia/Tashkent",
        active: true,
        vat_id: None,
        vat_category: None,
        electronic_address: None,
        buyer_reference: None,
    },
    DemoClient {
        key: "OLDCO",
        name: "Old Company Ltd",
        email: "accounts@oldco.example",
        line1: "1 Old Street",
        city: "London",
        postal: "EC1V 9HL",
        country: "GB",
        tax_id: "GB999999973",
        currency: "EUR",
        rate: "70.00",
        tax: "20",
        terms: 30,
        tz: "Europe/London",
        active: false,
        vat_id: Some("GB999999973"),
        vat_category: Some(VatCategory::S),
        electronic_address: None,
        buyer_reference: None,
    },
];

/// The demo clients whose PDFs are not in English (the others default to `en`).
const DEMO_LOCALES: &[(&str, &str)] = &[("GULZOR", "uz"), ("VOSTOK", "ru")];

/// The contracts of the demo clients, printed on their acts of completed work:
/// (key, contract number, contract date).
const DEMO_CONTRACTS: &[(&str, &str, (i32, u32, u32))] = &[
    ("GULZOR", "07/2025-IT", (2025, 3, 1)),
    ("VOSTOK", "12/2026-IT", (2026, 1, 15)),
];

const AUTHORS: &[&str] = &[
    "Dilnoza Yusupova",
    "Oʻtkir Gʻofurov",
    "Алексей Смирнов",
    "Jasur Toʻxtayev",
    "Maria Keller",
];

const TASKS: &[&str] = &[
    "Implement invoice export",
    "Fix login redirect",
    "Database migration",
    "Code review",
    "Performance tuning",
    "Sprint planning",
    "Hisobotlar sahifasi (oʻzbekcha)",
    "Исправление отчётов",
];

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedSummary {
    pub users: usize,
    pub clients: usize,
    pub worklogs: usize,
}

/// The worklogs of the demo, for the three calendar months ending with `today`'s.
pub fn demo_worklogs(today: NaiveDate) -> Vec<WorklogInput> {
    let current = Period::containing(today);
    let months = [current.previous().previous(), current.previous(), current];
    let mut rows = Vec::new();
    for client in DEMO_CLIENTS {
        for month in months {
            let seed = client
                .key
                .bytes()
                .fold(month.first_day().num_days_from_ce() as u64, |h, b| {
                    h.wrapping_mul(31).wrapping_add(b as u64)
                });
            let mut rng = StdRng::seed_from_u64(seed);
            let last = if month == current {
                today
            } else {
                month.last_day()
            };
            let days = (last - month.first_day()).num_days() + 1;
            for n in 0..30u32 {
                let date = month.first_day() + chrono::Duration::days(rng.random_range(0..days));
                let task = rng.random_range(0..TASKS.len());
                rows.push(WorklogInput {
                    source_id: Some(format!("DEMO-{}-{month}-{n:03}", client.key)),
                    client_key: client.key.to_string(),
                    date,
                    author: AUTHORS[rng.random_range(0..AUTHORS.len())].to_string(),
                    issue_key: format!("{}-{}", client.key, 100 + task),
                    issue_summary: TASKS[task].to_string(),
                    description: format!("{} — session {}", TASKS[task], n + 1),
                    minutes: rng.random_range(1..=16) * 15 + rng.random_range(0..3) * 5,
                    billable: rng.random_range(0..100) >= 15,
                });
            }
        }
    }
    rows
}

/// Put the demo users, clients and worklogs (idempotently).
pub async fn seed(
    users: &dyn UserStore,
    clients: &dyn ClientStore,
    worklogs: &dyn WorklogStore,
) -> Result<SeedSummary> {
    let now = Utc::now();
    let mut summary = SeedSummary::default();
    for (email, password, name, role) in DEMO_USERS {
        let existing = users.get_user(email).await?;
        let token_version = existing.as_ref().map_or(0, |u| u.token_version);
        let password_hash = match existing {
            Some(u)
                if proxima::auth::password::verify_password(password, Some(&u.password_hash)) =>
            {
                u.password_hash
            }
            _ => hash_password(password)?,
        };
        users
            .put_user(&User {
                email: (*email).into(),
                name: (*name).into(),
                role: *role,
                password_hash,
                disabled: false,
                token_version,
                created_at: now,
                updated_at: now,
            })
            .await?;
        summary.users += 1;
    }
    for c in DEMO_CLIENTS {
        let existing = clients.get_client(c.key).await?;
        let contract = DEMO_CONTRACTS.iter().find(|(key, ..)| *key == c.key);
        let input = ClientInput {
            key: c.key.into(),
            name: c.name.into(),
            email: c.email.into(),
            billing_contacts: Vec::new(),
            address: Address {
                line1: c.line1.into(),
                line2: None,
                city: c.city.into(),
                postal_code: Some(c.postal.into()),
                country: c.country.into(),
            },
            tax_id: Some(c.tax_id.into()),
            vat_id: c.vat_id.map(Into::into),
            electronic_address: c.electronic_address.map(|(scheme, id)| ElectronicAddress {
                scheme: scheme.into(),
                id: id.into(),
            }),
            buyer_reference: c.buyer_reference.map(Into::into),
            vat_category: c.vat_category,
            vat_exemption_reason: None,
            currency: c.currency.into(),
            hourly_rate: Decimal::from_str(c.rate)?,
            tax_rate: Decimal::from_str(c.tax)?,
            payment_terms_days: c.terms,
            timezone: c.tz.into(),
            locale: DEMO_LOCALES
                .iter()
                .find(|(key, _)| *key == c.key)
                .map(|(_, locale)| (*locale).into()),
            reminders_paused: false,
            contract_number: contract.map(|(_, number, _)| (*number).into()),
            contract_date: contract
                .and_then(|(_, _, (y, m, d))| chrono::NaiveDate::from_ymd_opt(*y, *m, *d)),
            attach_act: false,
            active: c.active,
        };
        let client = input.validate(now, existing.map(|e| e.created_at))?;
        clients.put_client(&client).await?;
        summary.clients += 1;
    }
    let rows = demo_worklogs(now.date_naive())
        .into_iter()
        .map(WorklogInput::validate)
        .collect::<proxima::Result<Vec<_>>>()?;
    worklogs.put_worklogs(&rows).await?;
    summary.worklogs = rows.len();
    Ok(summary)
}
