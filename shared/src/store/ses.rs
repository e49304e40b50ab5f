//! The [`Mailer`] on Amazon SES (API v2): one `SendEmail` with the raw MIME message.

use crate::ports::{Accepted, Delivery, Mailer, OutgoingMail};
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

/// Sends through SES from the verified identity in `MAIL_FROM`.
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
}

impl SesMailer {
    /// A mailer over `client` (see [`crate::store::aws::ses_client`]: no automatic retries).
    pub fn new(client: aws_sdk_sesv2::Client) -> Self {
        Self { client }
    }
}

/// What an SES failure says about the message: an answer from SES (throttling, an unverified
/// identity, a paused account, a bad request) means nothing was sent; no answer (a time-out,
/// a dropped connection) means it may have been.
fn failed<E, R>(err: SdkError<E, R>) -> Delivery
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let detail = format!(
        "SES SendEmail: {}",
        aws_sdk_sesv2::error::DisplayErrorContext(&err)
    );
    match err {
        SdkError::ServiceError(_) | SdkError::ConstructionFailure(_) => Delivery::Refused(detail),
        _ => Delivery::Unknown(detail),
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery> {
        let destination = Destination::builder()
            .set_to_addresses(Some(mail.to.clone()))
            .set_cc_addresses((!mail.cc.is_empty()).then(|| mail.cc.clone()))
            .build();
        let raw = RawMessage::builder()
            .data(Blob::new(mail.raw.clone()))
            .build()
            .map_err(|e| Error::Internal(format!("SES raw message: {e}")))?;
        let out = match self
            .client
            .send_email()
            .from_email_address(&mail.from)
            .destination(destination)
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => return Ok(failed(e)),
        };
        let id = out
            .message_id
            .ok_or_else(|| Error::Internal("SES accepted the message without an id".into()))?;
        Ok(Delivery::Accepted(Accepted {
            provider_message_id: id,
        }))
    }
}
