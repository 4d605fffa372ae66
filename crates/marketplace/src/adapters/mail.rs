//! E-mail: SMTP through `lettre` when `SOUK_SMTP_URL` is set, otherwise one `.eml` file per
//! message in `<data dir>/mail/` (and a log line), so people and tests can read codes.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use souk_kernel::DomainError;

/// The sender of Souk's e-mail.
pub const FROM: &str = "Souk <no-reply@souk.invalid>";

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Sends mail.
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Delivers one message.
    async fn send(&self, mail: &Mail) -> Result<(), DomainError>;
}

fn build(mail: &Mail) -> Result<Message, DomainError> {
    let from: Mailbox = FROM.parse().map_err(DomainError::unexpected)?;
    let to: Mailbox = mail.to.parse().map_err(DomainError::unexpected)?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .body(mail.body.clone())
        .map_err(DomainError::unexpected)
}

/// Delivers through an SMTP server (`smtp://host:port`, `smtps://...`, with optional credentials).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for an SMTP URL.
    pub fn from_url(url: &str) -> Result<SmtpMailer, DomainError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(DomainError::unexpected)?.build();
        Ok(SmtpMailer { transport })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), DomainError> {
        self.transport.send(build(mail)?).await.map_err(DomainError::unexpected)?;
        tracing::info!(to = %mail.to, subject = %mail.subject, "mail sent over SMTP");
        Ok(())
    }
}

/// Writes each message as an `.eml` file.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    /// Writes into `dir` (created on first use).
    pub fn new(dir: PathBuf) -> FileMailer {
        FileMailer { dir }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), DomainError> {
        let message = build(mail)?;
        tokio::fs::create_dir_all(&self.dir).await.map_err(DomainError::unexpected)?;
        let path = self.dir.join(format!("{}.eml", uuid::Uuid::now_v7()));
        tokio::fs::write(&path, message.formatted()).await.map_err(DomainError::unexpected)?;
        tracing::info!(to = %mail.to, subject = %mail.subject, path = %path.display(), "mail written");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_mail_is_a_readable_eml() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = FileMailer::new(dir.path().join("mail"));
        let mail = Mail {
            to: "amina@souk.example".into(),
            subject: "Your code".into(),
            body: "Code: 123456".into(),
        };
        mailer.send(&mail).await.unwrap();
        let entry = std::fs::read_dir(dir.path().join("mail")).unwrap().next().unwrap().unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(entry.path().extension().is_some_and(|e| e == "eml"));
        assert!(text.contains("To: amina@souk.example"));
        assert!(text.contains("Subject: Your code"));
        assert!(text.contains("Code: 123456"));
    }
}
