//! Database URLs as the store keeps and prints them: a PostgreSQL URL may carry a password,
//! which never reaches a log line, an error or a `Debug` print (it shows as `***`).

use std::fmt;
use std::sync::Arc;

/// `url` with any password replaced by `***`, for logs and messages. Text that is not a
/// URL at all is not shown (it might be a password pasted in the wrong place).
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Setting a password fails only for URLs that cannot have one.
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) if url.starts_with("sqlite:") => url.to_owned(),
        Err(_) => "(a database URL that does not parse)".to_owned(),
    }
}

/// A database URL kept for later connections, redacted in `Debug`.
#[derive(Clone)]
pub(crate) struct DatabaseUrl(Arc<str>);

impl DatabaseUrl {
    pub(crate) fn new(url: &str) -> Self {
        Self(url.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_the_password_and_keeps_the_rest() {
        let url = "postgres://wabagate:s3cret@db.internal:5432/wabagate?sslmode=require";
        assert_eq!(redacted(url), "postgres://wabagate:***@db.internal:5432/wabagate?sslmode=require");
        assert!(!format!("{:?}", DatabaseUrl::new(url)).contains("s3cret"));
    }

    #[test]
    fn leaves_urls_without_a_password_alone() {
        assert_eq!(redacted("sqlite:///srv/wg/wabagate.db"), "sqlite:///srv/wg/wabagate.db");
        assert_eq!(redacted("postgres://db/wabagate"), "postgres://db/wabagate");
    }
}
