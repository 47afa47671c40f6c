//! One value tree rendered two ways: GeoReport v2 XML (schemaless, no namespace, elements in
//! the spec's order) and its JSON mapping (the Spark convention: a list element becomes an
//! array, a leaf becomes a string, number, boolean or null).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The two output formats, chosen by the resource's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn from_suffix(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// The MIME type the spec names for the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A value to render.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// JSON `null`; an empty XML element.
    Null,
    Str(String),
    Bool(bool),
    Int(i64),
    Num(f64),
    /// Fields in the order the spec lists them.
    Obj(Vec<(&'static str, V)>),
    /// A list whose XML items are elements named by the first member.
    List(&'static str, Vec<V>),
}

impl V {
    pub fn str(s: impl Into<String>) -> V {
        V::Str(s.into())
    }

    pub fn opt_str(s: Option<impl Into<String>>) -> V {
        s.map_or(V::Null, |s| V::Str(s.into()))
    }

    pub fn opt_num(n: Option<f64>) -> V {
        n.filter(|n| n.is_finite()).map_or(V::Null, V::Num)
    }
}

/// Text that XML 1.0 can carry: characters it forbids even as references are dropped.
fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for element content (and attribute values).
pub fn escape_xml(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A literal CR would be normalised away by the reader.
            '\r' => out.push_str("&#13;"),
            c if xml_char_ok(c) => out.push(c),
            _ => {}
        }
    }
}

fn write_xml(name: &str, v: &V, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        V::Null => {}
        V::Str(s) => escape_xml(s, out),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(n) => out.push_str(&n.to_string()),
        V::Num(n) => out.push_str(&n.to_string()),
        V::Obj(fields) => {
            for (k, v) in fields {
                write_xml(k, v, out);
            }
        }
        V::List(item, items) => {
            for v in items {
                write_xml(item, v, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A whole XML document with the declaration the spec requires.
pub fn to_xml(root: &str, v: &V) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_xml(root, v, &mut out);
    out.push('\n');
    out
}

fn write_json(v: &V, out: &mut String) {
    match v {
        V::Null => out.push_str("null"),
        V::Str(s) => out.push_str(&serde_json::to_string(s).expect("a string serialises")),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(n) => out.push_str(&n.to_string()),
        V::Num(n) => out.push_str(&serde_json::to_string(n).expect("a finite number serialises")),
        V::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("a key serialises"));
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        V::List(_, items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out);
            }
            out.push(']');
        }
    }
}

pub fn to_json(v: &V) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

/// A rendered answer: the XML root element's name and the value.
pub struct Reply {
    pub format: Format,
    pub status: StatusCode,
    pub root: &'static str,
    pub value: V,
}

impl Reply {
    pub fn ok(format: Format, root: &'static str, value: V) -> Reply {
        Reply { format, status: StatusCode::OK, root, value }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = match self.format {
            Format::Json => to_json(&self.value),
            Format::Xml => to_xml(self.root, &self.value),
        };
        (self.status, [(header::CONTENT_TYPE, self.format.content_type())], body).into_response()
    }
}

/// The spec's error answer: a list of `{code, description}` with the HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub struct Open311Error {
    pub format: Format,
    pub status: StatusCode,
    pub description: String,
}

impl Open311Error {
    pub fn new(format: Format, status: StatusCode, description: impl Into<String>) -> Open311Error {
        Open311Error { format, status, description: description.into() }
    }

    pub fn bad_request(format: Format, description: impl Into<String>) -> Open311Error {
        Open311Error::new(format, StatusCode::BAD_REQUEST, description)
    }

    pub fn forbidden(format: Format, description: impl Into<String>) -> Open311Error {
        Open311Error::new(format, StatusCode::FORBIDDEN, description)
    }

    pub fn not_found(format: Format, description: impl Into<String>) -> Open311Error {
        Open311Error::new(format, StatusCode::NOT_FOUND, description)
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let error =
            V::Obj(vec![("code", V::Int(i64::from(self.status.as_u16()))), ("description", V::Str(self.description))]);
        Reply { format: self.format, status: self.status, root: "errors", value: V::List("error", vec![error]) }
            .into_response()
    }
}
