//! The stand-in for a store a function does not use: it answers every call with 503.
//!
//! Each function builds only the AWS clients its routes need (see [`crate::state::ColdStart`]),
//! so the clients it does not use are not even linked into its binary. The state still has a
//! slot for them; this fills it, and a call that reaches it (a wiring mistake) becomes a clear
//! 503 instead of a panic.

use crate::domain::invoice::message::SentMessage;
use crate::events::DomainEvent;
use crate::ports::{
    Delivery, DocumentStore, EventPublisher, FileStore, Mailer, OutgoingMail, SentMessageStore,
};
use crate::{Error, Result};
use async_trait::async_trait;

/// A store this function was deployed without.
pub struct Unwired(pub &'static str);

impl Unwired {
    fn refuse<T>(&self) -> Result<T> {
        tracing::error!(store = self.0, "store not wired into this function");
        Err(Error::Unavailable(format!(
            "{} is not available in this function",
            self.0
        )))
    }
}

#[async_trait]
impl DocumentStore for Unwired {
    async fn put_pdf(&self, _key: &str, _bytes: Vec<u8>) -> Result<()> {
        self.refuse()
    }
    async fn has_document(&self, _key: &str) -> Result<bool> {
        self.refuse()
    }
    async fn get_document(&self, _key: &str) -> Result<Option<Vec<u8>>> {
        self.refuse()
    }
    async fn presigned_pdf_url(
        &self,
        _key: &str,
        _filename: &str,
        _expires_in: std::time::Duration,
    ) -> Result<String> {
        self.refuse()
    }
    async fn put_document(&self, _key: &str, _bytes: Vec<u8>, _content_type: &str) -> Result<()> {
        self.refuse()
    }
    async fn presigned_document_url(
        &self,
        _key: &str,
        _filename: &str,
        _content_type: &str,
        _expires_in: std::time::Duration,
    ) -> Result<String> {
        self.refuse()
    }
}

#[async_trait]
impl FileStore for Unwired {
    async fn get_file(&self, _key: &str) -> Result<Vec<u8>> {
        self.refuse()
    }
    async fn open_file(&self, _key: &str) -> Result<crate::ports::FileReader> {
        self.refuse()
    }
    async fn put_file(&self, _key: &str, _bytes: Vec<u8>, _content_type: &str) -> Result<()> {
        self.refuse()
    }
}

#[async_trait]
impl Mailer for Unwired {
    async fn send(&self, _mail: &OutgoingMail) -> Result<Delivery> {
        self.refuse()
    }
}

#[async_trait]
impl EventPublisher for Unwired {
    async fn publish(&self, _events: &[DomainEvent]) -> Result<()> {
        self.refuse()
    }
}

#[async_trait]
impl SentMessageStore for Unwired {
    async fn sent_messages(&self, _invoice_id: uuid::Uuid) -> Result<Vec<SentMessage>> {
        self.refuse()
    }
    async fn put_pending(&self, _message: &SentMessage) -> Result<bool> {
        self.refuse()
    }
    async fn mark_accepted(&self, _message: &SentMessage) -> Result<()> {
        self.refuse()
    }
    async fn forget_pending(&self, _message: &SentMessage) -> Result<()> {
        self.refuse()
    }
    async fn record_sent(&self, _message: &SentMessage, _event: &DomainEvent) -> Result<bool> {
        self.refuse()
    }
    async fn announce_once(
        &self,
        _invoice_id: uuid::Uuid,
        _notice: &str,
        _event: &DomainEvent,
    ) -> Result<bool> {
        self.refuse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_is_a_503_not_a_panic() {
        let s = Unwired("S3");
        assert!(matches!(
            s.put_pdf("k", vec![]).await,
            Err(Error::Unavailable(_))
        ));
        assert!(matches!(s.get_file("k").await, Err(Error::Unavailable(_))));
    }
}
