//! The statement of account as a document: its PDF in the client's language (stored once
//! per content in the archive, handed out by a presigned URL) and its e-mail to the client.

use super::reports::client_statement;
use crate::domain::issuer::Issuer;
use crate::domain::ledger::statement::Statement;
use crate::invoice::drafting::{Actor, Stores};
use crate::invoice::finalize::PdfDownload;
use crate::invoice::sending::SendQuota;
use crate::mail::mime::{self, Attachment};
use crate::pdf::sha256_hex;
use crate::pdf::statement::{file_name, render_statement};
use crate::ports::{AttemptScope, Delivery, DocumentStore, Mailer, OutgoingMail};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What the statement documents need.
#[derive(Clone, Copy)]
pub struct StatementDocuments<'a> {
    pub stores: Stores<'a>,
    pub documents: &'a dyn DocumentStore,
    /// Our side of the statement (the configured issuer).
    pub issuer: &'a Issuer,
    pub mailer: &'a dyn Mailer,
    /// The sender address (`MAIL_FROM`); `None`: sending is not configured (503).
    pub mail_from: Option<&'a str>,
    /// The daily e-mail limit per user, shared with invoice e-mails.
    pub quota: SendQuota<'a>,
    /// Life of presigned URLs.
    pub url_ttl_secs: u64,
}

/// The account and range of a statement.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRange {
    /// First day, `YYYY-MM-DD` (UTC; default: 1 January of `to`'s year).
    #[serde(default, with = "crate::domain::request_values::date_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day, `YYYY-MM-DD` (UTC; default: today).
    #[serde(default, with = "crate::domain::request_values::date_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// ISO 4217 (default: the client's currency).
    #[serde(default)]
    pub currency: Option<String>,
}

impl StatementRange {
    /// `from` and `to` with their defaults at `now`.
    pub fn days(&self, now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
        let to = self.to.unwrap_or_else(|| now.date_naive());
        let from = self.from.unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to)
        });
        (from, to)
    }
}

/// A statement e-mailed to the client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SentStatement {
    pub to: Vec<String>,
    pub subject: String,
    pub filename: String,
    pub sha256: String,
    pub size_bytes: u64,
    /// The mail service's id of the message.
    pub provider_message_id: String,
    pub statement: Statement,
}

/// The statement's PDF and its archive key (`statements/<client>/<currency>/<from>_<to>-
/// <hash>.pdf`: one object per content, so a statement once sent stays as it was).
async fn rendered(
    deps: StatementDocuments<'_>,
    client_key: &str,
    range: &StatementRange,
    now: DateTime<Utc>,
) -> Result<(crate::domain::Client, Statement, Vec<u8>, String)> {
    let (from, to) = range.days(now);
    let (client, statement) = client_statement(
        deps.stores,
        client_key,
        range.currency.as_deref(),
        from,
        to,
        now,
    )
    .await?;
    let (s, issuer, locale) = (statement.clone(), deps.issuer.clone(), client.locale);
    let bytes = tokio::task::spawn_blocking(move || render_statement(&s, &issuer, locale))
        .await
        .map_err(|e| Error::Internal(format!("render statement: {e}")))??;
    let hash = sha256_hex(&bytes);
    let key = format!(
        "statements/{}/{}/{}_{}-{}.pdf",
        statement.client_key,
        statement.currency,
        statement.from,
        statement.to,
        &hash[..16]
    );
    if !deps.documents.has_document(&key).await? {
        deps.documents.put_pdf(&key, bytes.clone()).await?;
    }
    Ok((client, statement, bytes, key))
}

/// `GET /clients/{key}/statement?format=pdf`: the statement's PDF, presigned.
pub async fn statement_pdf(
    deps: StatementDocuments<'_>,
    client_key: &str,
    range: &StatementRange,
    now: DateTime<Utc>,
) -> Result<PdfDownload> {
    let (_, statement, bytes, key) = rendered(deps, client_key, range, now).await?;
    let filename = file_name(&statement);
    let ttl = deps.url_ttl_secs.min(crate::config::MAX_PDF_URL_TTL_SECS);
    let url = deps
        .documents
        .presigned_document_url(
            &key,
            &filename,
            "application/pdf",
            std::time::Duration::from_secs(ttl),
        )
        .await?;
    Ok(PdfDownload {
        url,
        expires_at: now + chrono::Duration::seconds(ttl as i64),
        filename,
        sha256: sha256_hex(&bytes),
        size_bytes: bytes.len() as u64,
    })
}

/// The e-mail's subject and text in the client's language.
fn wording(locale: crate::domain::Locale, s: &Statement, issuer: &str) -> (String, String) {
    use crate::domain::Locale;
    let (from, to) = (locale.date(s.from), locale.date(s.to));
    match locale {
        Locale::En => (
            format!("Statement of account {from} – {to} ({issuer})"),
            format!(
                "Dear {},\n\nplease find attached our statement of account for {from} – {to} \
                 in {}. Please check it against your books and return it signed, or tell us \
                 of any difference.\n\n{issuer}\n",
                s.client_name, s.currency
            ),
        ),
        Locale::Ru => (
            format!("Акт сверки взаимных расчётов {from} – {to} ({issuer})"),
            format!(
                "Уважаемые коллеги ({}),\n\nнаправляем акт сверки взаимных расчётов за период \
                 {from} – {to} в {}. Просим сверить его с вашими данными и вернуть \
                 подписанным или сообщить о расхождениях.\n\n{issuer}\n",
                s.client_name, s.currency
            ),
        ),
        Locale::Uz => (
            format!("Oʻzaro hisob-kitoblarni solishtirish dalolatnomasi {from} – {to} ({issuer})"),
            format!(
                "Hurmatli {},\n\n{from} – {to} davri uchun {} valyutasidagi oʻzaro \
                 hisob-kitoblarni solishtirish dalolatnomasini yuboramiz. Iltimos, uni \
                 maʼlumotlaringiz bilan solishtirib, imzolangan holda qaytaring yoki \
                 farqlar haqida xabar bering.\n\n{issuer}\n",
                s.client_name, s.currency
            ),
        ),
    }
}

/// `POST /clients/{key}/statement/send`: e-mail the statement's PDF to the client's billing
/// address, in its language. Counts against the sender's daily e-mail limit (given back
/// when the mail service refuses the message).
pub async fn send_statement(
    deps: StatementDocuments<'_>,
    client_key: &str,
    range: &StatementRange,
    actor: &Actor,
) -> Result<SentStatement> {
    let from = deps
        .mail_from
        .ok_or_else(|| Error::Unavailable("MAIL_FROM is not configured".into()))?;
    let (client, statement, bytes, _) = rendered(deps, client_key, range, actor.now).await?;
    let to = crate::invoice::sending::billing_addresses(&client.email, &client.billing_contacts);
    if let Some(problem) = to.iter().find_map(|a| crate::domain::email::problem(a)) {
        return Err(Error::Conflict(format!(
            "a billing address of the client cannot be sent to ({problem}); correct the client first"
        )));
    }
    let window = crate::invoice::sending::count_send(deps.quota, actor).await?;
    let (subject, text) = wording(client.locale, &statement, &deps.issuer.name);
    let filename = file_name(&statement);
    let token = Uuid::new_v4().simple().to_string();
    let raw = mime::build(&mime::Message {
        from_name: Some(&deps.issuer.name),
        from,
        to: &to,
        cc: &[],
        subject: &subject,
        text: &text,
        attachments: &[Attachment {
            filename: &filename,
            content_type: "application/pdf",
            bytes: &bytes,
        }],
        date: crate::domain::instant::to_millis(actor.now),
        token: &token,
    });
    let delivery = deps
        .mailer
        .send(&OutgoingMail {
            from: from.to_string(),
            to: to.clone(),
            cc: Vec::new(),
            raw,
        })
        .await?;
    match delivery {
        Delivery::Accepted(accepted) => Ok(SentStatement {
            to,
            subject,
            filename,
            sha256: sha256_hex(&bytes),
            size_bytes: bytes.len() as u64,
            provider_message_id: accepted.provider_message_id,
            statement,
        }),
        Delivery::Refused(detail) => {
            // Nothing was sent: the e-mail does not count against the limit.
            deps.quota
                .counter
                .refund_attempt(AttemptScope::Sends(&actor.name), window)
                .await?;
            Err(Error::Unavailable(detail))
        }
        Delivery::Unknown(detail) => Err(Error::Unavailable(detail)),
    }
}
