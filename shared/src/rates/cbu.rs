//! The Central Bank of Uzbekistan's published format
//! (`https://cbu.uz/uz/arkhiv-kursov-valyut/json/all/YYYY-MM-DD/`): a JSON list of objects
//! with `Ccy` (ISO code), `Rate` (a decimal string: soums per `Nominal` units), `Nominal`
//! (a string or number) and `Date` (`dd.mm.yyyy`, the day the rate was published for), among
//! other fields that are ignored. Pure parsing, no I/O: a malformed answer is an error and
//! nothing of it is stored.

use super::rate::{ExchangeRate, RateOrigin};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

/// The path of every rate published for `day` under the configured base URL.
pub fn all_rates_path(day: NaiveDate) -> String {
    format!("/uz/arkhiv-kursov-valyut/json/all/{day}/")
}

#[derive(Deserialize)]
struct Published {
    #[serde(rename = "Ccy")]
    ccy: String,
    #[serde(rename = "Rate")]
    rate: Value,
    #[serde(rename = "Nominal")]
    nominal: Value,
    #[serde(rename = "Date")]
    date: String,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The rates in a body of the Bank's format, fetched at `now`; an error naming what is
/// malformed (the whole answer is refused).
pub fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Vec<ExchangeRate>> {
    let bad = |what: String| Error::Unavailable(format!("Central Bank answer: {what}"));
    let list: Vec<Published> =
        serde_json::from_slice(body).map_err(|e| bad(format!("not a list of rates: {e}")))?;
    list.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let ccy = crate::domain::invoice::money::currency_code(&p.ccy);
            if ccy.len() != 3 || !ccy.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad(format!("entry {i}: Ccy {:?}", p.ccy)));
            }
            let rate = text(&p.rate)
                .and_then(|r| r.parse::<Decimal>().ok())
                .filter(|r| *r > Decimal::ZERO)
                .ok_or_else(|| bad(format!("entry {i} ({ccy}): Rate {}", p.rate)))?;
            let nominal = text(&p.nominal)
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(format!("entry {i} ({ccy}): Nominal {}", p.nominal)))?;
            let date = NaiveDate::parse_from_str(p.date.trim(), "%d.%m.%Y")
                .map_err(|_| bad(format!("entry {i} ({ccy}): Date {:?}", p.date)))?;
            Ok(ExchangeRate {
                currency: ccy,
                date,
                rate: rate.normalize(),
                nominal,
                origin: RateOrigin::Cbu,
                reason: None,
                set_by: None,
                recorded_at: now,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_banks_format_with_its_nominal_and_date() {
        let body = r#"[
          {"id":69,"Code":"840","Ccy":"USD","CcyNm_RU":"Доллар США","CcyNm_UZ":"AQSH dollari",
           "CcyNm_UZC":"АҚШ доллари","CcyNm_EN":"US Dollar","Nominal":"1","Rate":"12735.37",
           "Diff":"-12.05","Date":"02.12.2026"},
          {"id":57,"Code":"643","Ccy":"RUB","Nominal":"10","Rate":"1425.60","Diff":"1.2",
           "Date":"02.12.2026"}
        ]"#;
        let rates = parse(body.as_bytes(), Utc::now()).unwrap();
        assert_eq!(rates.len(), 2);
        assert_eq!(rates[0].currency, "USD");
        assert_eq!(rates[0].rate.to_string(), "12735.37");
        assert_eq!(rates[1].nominal, 10);
        assert_eq!(rates[1].date.to_string(), "2026-12-02");
    }

    #[test]
    fn a_malformed_answer_is_refused_whole() {
        for body in [
            &b"<html>maintenance</html>"[..],
            br#"{"error": "x"}"#,
            br#"[{"Ccy":"USD","Nominal":"1","Rate":"abc","Date":"02.12.2026"}]"#,
            br#"[{"Ccy":"USD","Nominal":"0","Rate":"1","Date":"02.12.2026"}]"#,
            br#"[{"Ccy":"USD","Nominal":"1","Rate":"1","Date":"2026-12-02"}]"#,
            br#"[{"Ccy":"US","Nominal":"1","Rate":"1","Date":"02.12.2026"}]"#,
        ] {
            assert!(
                parse(body, Utc::now()).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse(b"[]", Utc::now()).unwrap().is_empty());
    }
}
