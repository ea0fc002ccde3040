//! The text rules every request obeys, stated once in the OpenAPI document.
//!
//! Request text may not hold U+0000 (`ApiJson` and `ApiQuery` refuse it, for both databases
//! alike), and text that must not be blank is marked in the DTOs with the pattern `\S`. Rather
//! than repeat two long patterns on every field, the document is finished here: every string in
//! a request body or parameter gets the NUL-free pattern, and `\S` becomes "not blank and
//! NUL-free", with "blank" meaning what Rust's `str::trim` removes (so that the document and the
//! server agree on every character, not only on ASCII).

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayItems, KnownFormat, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// The marker DTOs use for "not blank".
const NOT_BLANK_MARKER: &str = "\\S";

/// Any text without U+0000.
const NO_NUL: &str = "^[^\\u0000]*$";

/// Characters that are blank to `str::trim`, and U+0000: never part of an e-mail address.
macro_rules! blank_or_nul {
    () => {
        "\\u0000\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028-\\u2029\\u202f\\u205f\\u3000"
    };
}

/// An e-mail address as `desk::people::check_email` takes it: a local part, one `@`, a domain
/// with a dot inside it, no blanks.
const EMAIL: &str = concat!(
    "^[^@",
    blank_or_nul!(),
    "]+@[^@.",
    blank_or_nul!(),
    "][^@",
    blank_or_nul!(),
    "]*\\.[^@",
    blank_or_nul!(),
    "]*[^@.",
    blank_or_nul!(),
    "]$"
);

/// Text without U+0000 with at least one character that `str::trim` keeps (Unicode
/// White_Space is U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
/// U+2029, U+202F, U+205F and U+3000).
const NOT_BLANK: &str = concat!("^[^\\u0000]*[^", blank_or_nul!(), "][^\\u0000]*$");

/// Applies the text rules to every request body and parameter of the document.
pub fn finish(doc: &mut OpenApi) {
    let mut bodies = Vec::new();
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            operation(op, &mut bodies);
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for name in bodies {
            if let Some(RefOr::T(schema)) = components.schemas.get_mut(&name) {
                text_rules(schema);
            }
        }
    }
}

/// Finishes an operation's parameters and inline bodies, and collects the components its
/// body refers to.
fn operation(op: &mut Operation, bodies: &mut Vec<String>) {
    for p in op.parameters.iter_mut().flatten() {
        if let RefOr::T(p) = p
            && let Some(RefOr::T(schema)) = p.schema.as_mut()
        {
            text_rules(schema);
        }
    }
    let bodies_here = op.request_body.iter_mut().filter_map(|b| match b {
        RefOr::T(b) => Some(b),
        RefOr::Ref(_) => None,
    });
    for content in bodies_here.flat_map(|b| b.content.values_mut()) {
        if let RefOr::T(content) = content {
            match content.schema.as_mut() {
                Some(RefOr::Ref(r)) => {
                    if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                        bodies.push(name.to_string());
                    }
                }
                Some(RefOr::T(schema)) => text_rules(schema),
                None => {}
            }
        }
    }
}

/// Whether a schema type admits strings.
fn is_text(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    }
}

fn text_rules(schema: &mut Schema) {
    match schema {
        Schema::Object(o) => {
            let email = matches!(
                o.format,
                Some(SchemaFormat::KnownFormat(KnownFormat::Email))
            );
            if is_text(&o.schema_type) && email {
                o.pattern = Some(EMAIL.to_string());
            } else if is_text(&o.schema_type) && o.enum_values.is_none() && o.format.is_none() {
                o.pattern = match o.pattern.as_deref() {
                    None => Some(NO_NUL.to_string()),
                    Some(NOT_BLANK_MARKER) => Some(NOT_BLANK.to_string()),
                    Some(other) => Some(other.to_string()),
                };
            }
            for p in o.properties.values_mut() {
                if let RefOr::T(s) = p {
                    text_rules(s);
                }
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(item) = &mut a.items
                && let RefOr::T(s) = item.as_mut()
            {
                text_rules(s);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(inner),
        Schema::AllOf(x) => x.items.iter_mut().for_each(inner),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(inner),
        _ => {}
    }
}

fn inner(s: &mut RefOr<Schema>) {
    if let RefOr::T(s) = s {
        text_rules(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The not-blank pattern's class of blanks is exactly what `str::trim` removes.
    #[test]
    fn blank_class_matches_trim() {
        let class: Vec<(u32, u32)> = vec![
            (0x09, 0x0d),
            (0x20, 0x20),
            (0x85, 0x85),
            (0xa0, 0xa0),
            (0x1680, 0x1680),
            (0x2000, 0x200a),
            (0x2028, 0x2029),
            (0x202f, 0x202f),
            (0x205f, 0x205f),
            (0x3000, 0x3000),
        ];
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let in_class = class.iter().any(|&(a, b)| (a..=b).contains(&u32::from(c)));
            assert_eq!(in_class, c.is_whitespace(), "{:?}", c);
        }
        for (a, b) in class {
            let text = if a == b {
                format!("\\u{a:04x}")
            } else {
                format!("\\u{a:04x}-\\u{b:04x}")
            };
            assert!(NOT_BLANK.contains(&text), "{text}");
        }
    }
}
