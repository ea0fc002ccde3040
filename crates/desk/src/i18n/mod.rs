//! The catalog of texts for people, in Dutch (default) and English: pages, mails and the
//! command line all speak through it.

use std::collections::HashMap;
use std::sync::LazyLock;

use sla::Lang;

/// The Dutch catalog: one file per part of the interface.
const NL: &[&str] = &[
    include_str!("nl.txt"),
    include_str!("portal.nl.txt"),
    include_str!("ticket.nl.txt"),
    include_str!("desk.nl.txt"),
    include_str!("admin.nl.txt"),
    include_str!("reports.nl.txt"),
    include_str!("availability.nl.txt"),
    include_str!("mail.nl.txt"),
    include_str!("meetings.nl.txt"),
    include_str!("escalation.nl.txt"),
    include_str!("meetpages.nl.txt"),
    include_str!("cli.nl.txt"),
    include_str!("settings.nl.txt"),
    include_str!("notices.nl.txt"),
];
/// The English catalog, file for file.
const EN: &[&str] = &[
    include_str!("en.txt"),
    include_str!("portal.en.txt"),
    include_str!("ticket.en.txt"),
    include_str!("desk.en.txt"),
    include_str!("admin.en.txt"),
    include_str!("reports.en.txt"),
    include_str!("availability.en.txt"),
    include_str!("mail.en.txt"),
    include_str!("meetings.en.txt"),
    include_str!("escalation.en.txt"),
    include_str!("meetpages.en.txt"),
    include_str!("cli.en.txt"),
    include_str!("settings.en.txt"),
    include_str!("notices.en.txt"),
];

fn parse(files: &[&'static str]) -> HashMap<&'static str, &'static str> {
    files
        .iter()
        .flat_map(|f| f.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static CATALOGS: LazyLock<[HashMap<&'static str, &'static str>; 2]> =
    LazyLock::new(|| [parse(NL), parse(EN)]);

/// A translator for one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

impl Tr {
    /// The language from a person's setting (`nl` or `en`); Dutch otherwise.
    pub fn for_code(code: &str) -> Tr {
        Tr(if code == "en" { Lang::En } else { Lang::Nl })
    }

    /// The text for a key (the key itself if the catalog lacks it; a test forbids that).
    pub fn get(&self, key: &str) -> &'static str {
        let i = usize::from(self.0 == Lang::En);
        CATALOGS[i].get(key).copied().unwrap_or("??")
    }

    /// The text for a key with its `{name}` placeholders filled in and `\n` turned into new
    /// lines (values are put in as they are, so a value is never read as a placeholder).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let text = self.get(key);
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some(i) = rest.find(['{', '\\']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("\\n") {
                out.push('\n');
                rest = after;
            } else if let Some((name, after)) = tail[1..].split_once('}')
                && let Some((_, value)) = values.iter().find(|(k, _)| *k == name)
            {
                out.push_str(value);
                rest = after;
            } else {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        out
    }

    /// `nl` or `en`, for `<html lang>`.
    pub fn code(&self) -> &'static str {
        match self.0 {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// Keys of a catalog, for the completeness test.
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let i = usize::from(lang == Lang::En);
    let mut k: Vec<&'static str> = CATALOGS[i].keys().copied().collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_and_no_empty_text() {
        assert_eq!(keys(Lang::Nl), keys(Lang::En));
        for lang in [Lang::Nl, Lang::En] {
            for k in keys(lang) {
                assert!(!Tr(lang).get(k).is_empty(), "{k}");
            }
        }
        // Every line of the files is a `key = text` pair or a comment.
        for text in NL.iter().chain(EN) {
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                assert!(line.contains(" = "), "{line}");
            }
        }
    }

    #[test]
    fn every_key_the_templates_and_code_use_is_in_the_catalog() {
        // Templates use `t.get("key")`; Rust code uses `t.get("key")` too.
        // Every crate that speaks to people: the pages, the services' mails, the command line.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut sources = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = [
            "crates/web/templates",
            "crates/web/src",
            "crates/desk/src",
            "crates/loket/src",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("html" | "rs")
                ) {
                    sources.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).expect("read"),
                    ));
                }
            }
        }
        assert!(sources.len() >= 4);
        for (name, src) in &sources {
            for part in src.split("t.get(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                if key == "key" {
                    continue;
                }
                for lang in [Lang::Nl, Lang::En] {
                    assert_ne!(
                        Tr(lang).get(key),
                        "??",
                        "{key} (used in {name}) missing in {lang:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn fill_puts_values_in_and_breaks_lines() {
        let t = Tr(Lang::En);
        let text = t.fill(
            "mail.maintenance.late",
            &[("notice", "5 working days {notice} \\n")],
        );
        assert_eq!(
            text,
            "\nThis announcement comes later than the agreed notice (5 working days {notice} \\n); \
             the maintenance therefore counts as downtime.\n"
        );
        assert_eq!(
            Tr(Lang::Nl).fill("cli.bound", &[("percent", "90")]),
            "90-termijn"
        );
    }
}
