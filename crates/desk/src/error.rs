//! The one error of the application layer: what a service refused, and why.

use store::StoreError;

/// Why a service did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Nobody is signed in, or the credentials are wrong.
    #[error("sign in first")]
    Unauthenticated,
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing the caller may see has that id.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A value breaks a rule: which field, and the rule.
    #[error("{rule}")]
    Invalid {
        /// The field at fault, as a JSON path.
        field: String,
        /// What is wrong and what is allowed.
        rule: String,
    },
    /// A text is longer than its field takes (`crate::limits`), in characters.
    #[error("at most {max} characters")]
    TooLong {
        /// The field at fault, as a JSON path.
        field: String,
        /// The most characters it takes.
        max: usize,
    },
    /// The change conflicts with the data as it stands.
    #[error("{message}")]
    Conflict {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Too many attempts: wait this many seconds.
    #[error("too many attempts; try again in {retry_after} s")]
    Throttled {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// A fault of ours (a bug, a broken database): logged, not shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl DeskError {
    /// A rule broken by one field.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> DeskError {
        DeskError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// An internal fault with its context.
    pub fn internal(context: impl std::fmt::Display) -> DeskError {
        DeskError::Internal(anyhow::anyhow!("{context}"))
    }
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => DeskError::NotFound(what),
            StoreError::Conflict { field, message } => DeskError::Conflict { field, message },
            StoreError::Rejected { field, message } => DeskError::invalid(field, message),
            other => DeskError::Internal(anyhow::Error::new(other)),
        }
    }
}
