//! Static checks over every template: each form control has a label, images have text,
//! no inline script or style (the Content-Security-Policy forbids them).

fn templates() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("templates")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 10, "templates found: {}", out.len());
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    tag[start..].split('"').next()
}

#[test]
fn every_form_control_has_a_label() {
    for (name, src) in templates() {
        let labels: Vec<&str> = src
            .match_indices("<label")
            .filter_map(|(i, _)| src[i..].split('>').next())
            .filter_map(|tag| attr(tag, "for"))
            .collect();
        for kind in ["<input", "<select", "<textarea"] {
            for (i, _) in src.match_indices(kind) {
                let tag = src[i..].split('>').next().unwrap_or_default();
                if matches!(attr(tag, "type"), Some("hidden" | "submit" | "button")) {
                    continue;
                }
                if tag.contains("aria-label") || tag.contains("aria-labelledby") {
                    continue;
                }
                let labelled_by_for = attr(tag, "id").is_some_and(|id| labels.contains(&id));
                let before = &src[..i];
                let wrapped = before.rfind("<label") > before.rfind("</label>");
                assert!(labelled_by_for || wrapped, "{name}: unlabelled {tag}>");
            }
        }
    }
}

#[test]
fn images_have_text_and_nothing_is_inline() {
    for (name, src) in templates() {
        for (i, _) in src.match_indices("<img") {
            let tag = src[i..].split('>').next().unwrap_or_default();
            assert!(tag.contains(" alt=\""), "{name}: image without alt: {tag}>");
        }
        for (i, _) in src.match_indices("<script") {
            let tag = src[i..].split('>').next().unwrap_or_default();
            assert!(tag.contains(" src=\""), "{name}: inline script");
        }
        assert!(!src.contains(" style=\""), "{name}: inline style attribute");
        assert!(!src.contains("<style"), "{name}: inline style element");
        assert!(
            !src.contains(" onclick=") && !src.contains(" onsubmit="),
            "{name}: inline handler"
        );
    }
}
