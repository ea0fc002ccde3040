//! Loading the agreement: the standard policy, optionally overlaid with a customer's policy file.

use std::path::Path;

use anyhow::{Context, anyhow};
use sla::{Calendar, Policy};

/// The standard agreement, or the standard agreement with the file at `path` laid over it,
/// with its compiled calendar. Files the policy names are read relative to its directory.
pub fn load(path: Option<&Path>) -> anyhow::Result<(Policy, Calendar)> {
    let standard = Policy::standard().context("the built-in standard agreement is invalid")?;
    let policy = match path {
        None => standard,
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read policy file `{}`", path.display()))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                anyhow!(
                    "policy file `{}` is not UTF-8 text (invalid byte at offset {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => Path::new(".").to_path_buf(),
            };
            let read = |name: &str| -> Result<String, String> {
                std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string())
            };
            standard.overlay(&text, &path.display().to_string(), &read)?
        }
    };
    let calendar = policy
        .compile_calendar()
        .context("the agreement's calendar cannot be compiled")?;
    Ok((policy, calendar))
}
