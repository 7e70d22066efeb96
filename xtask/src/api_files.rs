//! `cargo xtask api`: the files that describe `<zapi-connect>` to people and tools, written from
//! the one table in `src/api.rs`: the Custom Elements Manifest, the declarations in
//! `npm/index.d.ts` (between its markers), `npm/src/api.js` (the attribute and property lists
//! the element's class uses) and the README's tables (between `<!-- api:NAME:start -->` and
//! `<!-- api:NAME:end -->`). `cargo xtask test` runs [`check`] first, which also checks that the
//! package's own README (prose, not generated) names every attribute, method and event.

use crate::api::{self, Attribute, Fallback};
use crate::cmd::Result;
use std::path::Path;

/// A file, by its path in the repository, and what it must hold.
pub struct File {
    pub path: &'static str,
    pub text: String,
}

/// Every generated file. The README and `index.d.ts` are read from `root`: only their marked
/// regions are generated.
pub fn files(root: &Path) -> Result<Vec<File>> {
    let readme = read(root, "README.md")?;
    let dts = read(root, DTS)?;
    Ok(vec![
        File {
            path: "npm/custom-elements.json",
            text: manifest(),
        },
        File {
            path: DTS,
            text: splice(&dts, DTS, DTS_START, DTS_END, &declarations())?,
        },
        File {
            path: "npm/src/api.js",
            text: api_js(),
        },
        File {
            path: "README.md",
            text: readme_tables(&readme)?,
        },
    ])
}

/// `cargo xtask api`: writes the files that differ.
pub fn write(root: &Path) -> Result {
    for file in files(root)? {
        let path = root.join(file.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(file.text.as_str()) {
            std::fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", file.path))?;
            println!("xtask: wrote {}", file.path);
        }
    }
    Ok(())
}

/// Fails, naming them, when committed files differ from what `src/api.rs` gives.
pub fn check(root: &Path) -> Result {
    let mut stale = Vec::new();
    for file in files(root)? {
        let committed = std::fs::read_to_string(root.join(file.path)).ok();
        if committed.as_deref() != Some(file.text.as_str()) {
            stale.push(file.path);
        }
    }
    if !stale.is_empty() {
        let verb = if stale.len() == 1 { "is" } else { "are" };
        return Err(format!(
            "{} {verb} out of date with src/api.rs: run `cargo xtask api` and commit the result",
            stale.join(", ")
        ));
    }
    let unnamed = unnamed_in_package_readme(&read(root, PACKAGE_README)?);
    if !unnamed.is_empty() {
        return Err(format!(
            "{PACKAGE_README} does not name {} (listed in src/api.rs): add them to its \
             \"Attributes, properties, events\" section",
            unnamed.join(", ")
        ));
    }
    println!("xtask: the manifest, index.d.ts, npm/src/api.js and README tables match src/api.rs");
    Ok(())
}

const PACKAGE_README: &str = "npm/README.md";

/// The attributes, properties without one, methods and events `text` does not name in code.
fn unnamed_in_package_readme(text: &str) -> Vec<String> {
    let names = api::ATTRIBUTES
        .iter()
        .map(|a| code(a.name))
        .chain(api::PROPERTIES.iter().map(|p| code(p.name)))
        .chain(api::METHODS.iter().map(|m| code(&format!("{}()", m.name))))
        .chain(api::EVENTS.iter().map(|e| code(e.name)));
    names.filter(|name| !text.contains(name.as_str())).collect()
}

fn read(root: &Path, path: &str) -> Result<String> {
    std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))
}

/// `text` with the lines between the `start` and `end` marker lines replaced by `region`.
fn splice(text: &str, path: &str, start: &str, end: &str, region: &str) -> Result<String> {
    let missing = |marker: &str| format!("{path} has no line starting with `{marker}`");
    let from = line_starting(text, start, 0).ok_or_else(|| missing(start))?;
    let from = from + text[from..].find('\n').map_or(text.len() - from, |n| n + 1);
    let to = line_starting(text, end, from).ok_or_else(|| missing(end))?;
    Ok(format!("{}{region}{}", &text[..from], &text[to..]))
}

/// Where the first line at or after `from` that starts with `marker` begins.
fn line_starting(text: &str, marker: &str, from: usize) -> Option<usize> {
    let mut at = from;
    for line in text[from..].split_inclusive('\n') {
        if line.starts_with(marker) {
            return Some(at);
        }
        at += line.len();
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Types shared by the manifest and the declarations.

const STATE_TYPE: &str = "ZapiConnectState";
const ERROR_CODE_TYPE: &str = "ZapiConnectErrorCode";
const METHOD_TYPE: &str = "ZapiConnectMethod";

/// Whether the attribute is on by its presence, whatever its text.
fn is_boolean(attribute: &Attribute) -> bool {
    attribute.ty == "boolean"
}

/// The property's TypeScript type: text properties are the attribute's text, so any string.
fn property_type(attribute: &Attribute) -> String {
    if attribute.builtin || attribute.number.is_some() || is_boolean(attribute) {
        attribute.ty.to_string()
    } else if attribute.ty == "string" {
        "string | null".into()
    } else {
        format!("{} | (string & {{}}) | null", attribute.ty)
    }
}

/// `{ state }`, `{ kind: "qr" | "phone", expiresAt }`, `{ code, message, retryable, retryAfter? }`.
fn detail_summary(event: &api::Event) -> String {
    let fields: Vec<String> = event
        .fields
        .iter()
        .map(|field| {
            let optional = if field.optional { "?" } else { "" };
            if field.ty == METHOD_TYPE {
                let kinds: Vec<String> = api::LINK_METHODS
                    .iter()
                    .map(|m| format!("\"{m}\""))
                    .collect();
                format!("{}{optional}: {}", field.name, kinds.join(" | "))
            } else {
                format!("{}{optional}", field.name)
            }
        })
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// What the event's `detail` holds and when it fires, as the manifest and the README say it.
fn event_text(event: &api::Event) -> String {
    let states = code_list(api::STATES.iter().filter(|s| s.event).map(|s| s.name));
    let description = event.description.replace("{states}", &states);
    format!("`{}` {description}", detail_summary(event))
}

fn union(values: impl Iterator<Item = &'static str>) -> String {
    values
        .map(|value| format!("\n  | \"{value}\""))
        .collect::<String>()
}

// ---------------------------------------------------------------------------------------------
// npm/custom-elements.json

enum Json {
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

fn s(text: &str) -> Json {
    Json::Str(text.into())
}

fn obj(fields: Vec<(&'static str, Json)>) -> Json {
    Json::Object(fields)
}

fn type_text(text: &str) -> Json {
    obj(vec![("text", s(text))])
}

impl Json {
    /// As `JSON.stringify(value, null, 2)` writes it.
    fn write(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, n: usize| out.push_str(&"  ".repeat(n));
        match self {
            Json::Str(text) => {
                out.push('"');
                for c in text.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(out, indent + 1);
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push(']');
            }
            Json::Object(fields) => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    pad(out, indent + 1);
                    out.push_str(&format!("\"{key}\": "));
                    value.write(out, indent + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

/// The attribute's default as the manifest writes it: a JavaScript value.
fn manifest_default(attribute: &Attribute) -> Option<String> {
    match attribute.default {
        Fallback::Absent if is_boolean(attribute) => Some("false".into()),
        Fallback::Required | Fallback::Absent => None,
        Fallback::Value(value) if attribute.number.is_some() => Some(value.into()),
        Fallback::Value(value) => Some(format!("\"{value}\"")),
        Fallback::Described(text) => Some(text.into()),
    }
}

fn manifest() -> String {
    let attributes = api::ATTRIBUTES
        .iter()
        .map(|attribute| {
            let mut fields = vec![
                ("name", s(attribute.name)),
                ("fieldName", s(attribute.property)),
                ("type", type_text(attribute.ty)),
            ];
            if let Some(default) = manifest_default(attribute) {
                fields.push(("default", Json::Str(default)));
            }
            fields.push(("description", s(attribute.description)));
            obj(fields)
        })
        .collect();
    let mut members: Vec<Json> = api::ATTRIBUTES
        .iter()
        .map(|attribute| {
            obj(vec![
                ("kind", s("field")),
                ("name", s(attribute.property)),
                ("type", type_text(&property_type(attribute))),
                ("attribute", s(attribute.name)),
                ("description", s(attribute.description)),
            ])
        })
        .collect();
    members.extend(api::PROPERTIES.iter().map(|property| {
        obj(vec![
            ("kind", s("field")),
            ("name", s(property.name)),
            ("type", type_text(property.ty)),
            ("description", s(property.description)),
        ])
    }));
    members.extend(api::METHODS.iter().map(|method| {
        obj(vec![
            ("kind", s("method")),
            ("name", s(method.name)),
            ("return", obj(vec![("type", type_text("void"))])),
            ("description", s(method.description)),
        ])
    }));
    let events = api::EVENTS
        .iter()
        .map(|event| {
            obj(vec![
                ("name", s(event.name)),
                ("type", type_text(&format!("CustomEvent<{}>", event.detail))),
                ("description", Json::Str(event_text(event))),
            ])
        })
        .collect();
    let parts = api::PARTS
        .iter()
        .map(|part| {
            obj(vec![
                ("name", s(part.name)),
                ("description", s(part.description)),
            ])
        })
        .collect();
    let css = api::CSS_PROPERTIES
        .iter()
        .map(|property| {
            obj(vec![
                ("name", s(property.name)),
                ("default", s(property.default)),
                ("description", s(property.description)),
            ])
        })
        .collect();
    let declaration = |name: &str| obj(vec![("name", s(name)), ("module", s(MODULE))]);
    let mut exports = vec![
        obj(vec![
            ("kind", s("js")),
            ("name", s(api::CLASS)),
            ("declaration", declaration(api::CLASS)),
        ]),
        obj(vec![
            ("kind", s("custom-element-definition")),
            ("name", s(api::TAG)),
            ("declaration", declaration(api::CLASS)),
        ]),
    ];
    exports.extend(api::FUNCTIONS.iter().map(|name| {
        obj(vec![
            ("kind", s("js")),
            ("name", s(name)),
            ("declaration", declaration(name)),
        ])
    }));
    let class = obj(vec![
        ("kind", s("class")),
        ("name", s(api::CLASS)),
        ("tagName", s(api::TAG)),
        ("customElement", Json::Str("true".into())),
        ("description", s(api::ELEMENT_DESCRIPTION)),
        (
            "superclass",
            obj(vec![("name", s("HTMLElement")), ("package", s("global:"))]),
        ),
        ("attributes", Json::Array(attributes)),
        ("members", Json::Array(members)),
        ("events", Json::Array(events)),
        ("cssParts", Json::Array(parts)),
        ("cssProperties", Json::Array(css)),
    ]);
    let manifest = obj(vec![
        ("schemaVersion", s("2.1.0")),
        ("readme", s("README.md")),
        (
            "modules",
            Json::Array(vec![obj(vec![
                ("kind", s("javascript-module")),
                ("path", s(MODULE)),
                ("declarations", Json::Array(vec![class])),
                ("exports", Json::Array(exports)),
            ])]),
        ),
    ]);
    let mut out = String::new();
    manifest.write(&mut out, 0);
    // `customElement` is the one boolean: written as a string above, unquoted here.
    out = out.replace("\"customElement\": \"true\"", "\"customElement\": true");
    out.push('\n');
    out
}

const MODULE: &str = "index.js";

// ---------------------------------------------------------------------------------------------
// npm/index.d.ts

const DTS: &str = "npm/index.d.ts";
const DTS_START: &str = "// api:declarations:start";
const DTS_END: &str = "// api:declarations:end";

/// `text` as JSDoc lines of at most 100 characters, indented by `indent`.
fn jsdoc(text: &str, indent: &str) -> String {
    let one_line = format!("{indent}/** {text} */\n");
    if one_line.chars().count() <= 100 && !text.contains('\n') {
        return one_line;
    }
    let mut out = format!("{indent}/**\n");
    for paragraph in text.split("\n\n") {
        if !out.ends_with("/**\n") {
            out.push_str(&format!("{indent} *\n"));
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty()
                && indent.len() + 3 + line.chars().count() + 1 + word.chars().count() > 100
            {
                out.push_str(&format!("{indent} * {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&format!("{indent} * {line}\n"));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

fn code_list(names: impl Iterator<Item = &'static str>) -> String {
    names
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn declarations() -> String {
    let mut out = String::new();
    out.push_str(&jsdoc(
        "The states announced by `zapi-state` events; `[part=base][data-state]` shows them too, and `stopped` after `stop()`.",
        "",
    ));
    let states = union(api::STATES.iter().filter(|s| s.event).map(|s| s.name));
    out.push_str(&format!("export type {STATE_TYPE} ={states};\n\n"));
    out.push_str(&jsdoc(
        "Stable error codes, as in `[part=error][data-code]` and `zapi-error` events.",
        "",
    ));
    let codes = union(api::ERROR_CODES.iter().map(|c| c.code));
    out.push_str(&format!("export type {ERROR_CODE_TYPE} ={codes};\n\n"));
    out.push_str(&jsdoc("How the phone is linked.", ""));
    let kinds: Vec<String> = api::LINK_METHODS
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect();
    out.push_str(&format!(
        "export type {METHOD_TYPE} = {};\n",
        kinds.join(" | ")
    ));
    for event in api::EVENTS {
        out.push_str(&format!("\nexport interface {} {{\n", event.detail));
        for field in event.fields {
            if !field.description.is_empty() {
                out.push_str(&jsdoc(field.description, "  "));
            }
            let optional = if field.optional { "?" } else { "" };
            out.push_str(&format!("  {}{optional}: {};\n", field.name, field.ty));
        }
        out.push_str("}\n");
    }
    let class_doc = format!(
        "{} `<{} relay=\"/zapi\">`. Text properties mirror their attributes as the text (`null` when absent); number properties are the number in use; boolean properties say whether the attribute is present. The widget checks every value and falls back to the default with one console warning.\n\nParts: {}.\n\nCSS custom properties: {}.",
        api::ELEMENT_DESCRIPTION,
        api::TAG,
        code_list(api::PARTS.iter().map(|p| p.name)),
        code_list(api::CSS_PROPERTIES.iter().map(|p| p.name)),
    );
    out.push('\n');
    out.push_str(&jsdoc(&class_doc, ""));
    out.push_str(&format!(
        "export declare class {} extends HTMLElement {{\n  static readonly observedAttributes: string[];\n",
        api::CLASS
    ));
    for attribute in api::ATTRIBUTES {
        let default = match attribute.default {
            Fallback::Required => "; required".to_string(),
            Fallback::Absent => String::new(),
            Fallback::Value(value) => format!(", default `{value}`"),
            Fallback::Described(text) => format!(", default {text}"),
        };
        let doc = format!(
            "{} Attribute `{}`{default}.",
            attribute.description, attribute.name
        );
        out.push_str(&jsdoc(&doc, "  "));
        out.push_str(&format!(
            "  {}: {};\n",
            attribute.property,
            property_type(attribute)
        ));
    }
    for property in api::PROPERTIES {
        out.push_str(&jsdoc(property.description, "  "));
        out.push_str(&format!("  {}: {};\n", property.name, property.ty));
    }
    for method in api::METHODS {
        out.push_str(&jsdoc(method.description, "  "));
        out.push_str(&format!("  {}(): void;\n", method.name));
    }
    out.push_str(
        "  connectedCallback(): void;\n  disconnectedCallback(): void;\n  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void;\n}\n",
    );
    out.push_str(&format!(
        "\ndeclare global {{\n  interface HTMLElementTagNameMap {{\n    \"{}\": {};\n  }}\n",
        api::TAG,
        api::CLASS
    ));
    for map in ["HTMLElementEventMap", "DocumentEventMap"] {
        out.push_str(&format!("  interface {map} {{\n"));
        for event in api::EVENTS {
            out.push_str(&format!(
                "    \"{}\": CustomEvent<{}>;\n",
                event.name, event.detail
            ));
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

// ---------------------------------------------------------------------------------------------
// npm/src/api.js

fn api_js() -> String {
    let attributes: Vec<String> = api::ATTRIBUTES
        .iter()
        .map(|a| format!("\"{}\"", a.name))
        .collect();
    let mut out = String::from(
        "// Written by `cargo xtask api` from src/api.rs (the one table of the element's API): edit\n// that file and run the command, not this one.\n\n/** The attributes the element observes. */\n",
    );
    out.push_str(&format!(
        "export const ATTRIBUTES = [{}];\n\n",
        attributes.join(", ")
    ));
    out.push_str("/**\n * The properties that mirror an attribute (not HTMLElement's own, such as `lang`):\n * `[property, attribute]`, for whole numbers `[property, attribute, min, max, default]`, and for\n * booleans (on when present) `[property, attribute, \"boolean\"]`.\n */\nexport const PROPERTIES = [\n");
    for attribute in api::ATTRIBUTES.iter().filter(|a| !a.builtin) {
        let number = match attribute.number {
            Some(n) => format!(", {}, {}, {}", n.min, n.max, n.default),
            None if is_boolean(attribute) => ", \"boolean\"".into(),
            None => String::new(),
        };
        out.push_str(&format!(
            "  [\"{}\", \"{}\"{number}],\n",
            attribute.property, attribute.name
        ));
    }
    out.push_str("];\n");
    out
}

// ---------------------------------------------------------------------------------------------
// README.md

/// A Markdown table cell: `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

fn readme_default(default: Fallback) -> String {
    match default {
        Fallback::Required => "— (required)".into(),
        Fallback::Absent => "none".into(),
        Fallback::Value(value) => code(value),
        Fallback::Described(text) => text.into(),
    }
}

/// A message with its `{}` shown as code.
fn message_text(text: &str) -> String {
    text.replace("{}", "`{}`")
}

fn readme_tables(readme: &str) -> Result<String> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let attributes = table(
        &["attribute", "property", "default", "meaning"],
        api::ATTRIBUTES
            .iter()
            .map(|a| {
                let kind = if a.number.is_some() {
                    " (number)"
                } else if is_boolean(a) {
                    " (boolean)"
                } else {
                    ""
                };
                vec![
                    code(a.name),
                    format!("{}{kind}", code(a.property)),
                    readme_default(a.default),
                    a.description.into(),
                ]
            })
            .chain(api::PROPERTIES.iter().map(|p| {
                vec![
                    "—".into(),
                    code(p.name),
                    "none".into(),
                    p.description.into(),
                ]
            })),
    );
    let methods = table(
        &["method", "does"],
        api::METHODS
            .iter()
            .map(|m| vec![code(&format!("{}()", m.name)), m.description.into()]),
    );
    let events = table(
        &["event (bubbles, composed)", "`detail`"],
        api::EVENTS
            .iter()
            .map(|e| vec![code(e.name), event_text(e)]),
    );
    let states = table(
        &[
            "state (`data-state`)",
            "in `zapi-state`",
            "what the widget shows",
        ],
        api::STATES
            .iter()
            .map(|s| vec![code(s.name), yes_no(s.event), s.description.into()]),
    );
    let parts = table(
        &["part", "what"],
        api::PARTS
            .iter()
            .map(|p| vec![code(p.name), p.description.into()]),
    );
    let css = table(
        &["CSS custom property", "default", "for"],
        api::CSS_PROPERTIES
            .iter()
            .map(|p| vec![code(p.name), code(p.default), p.description.into()]),
    );
    let errors = table(
        &["code", "retryable", "meaning"],
        api::ERROR_CODES
            .iter()
            .map(|c| vec![code(c.code), yes_no(c.retryable), c.meaning.into()]),
    );
    let messages = table(
        &["key", "English", "Brazilian Portuguese", "Spanish"],
        api::MESSAGES.iter().map(|m| {
            vec![
                code(m.key),
                message_text(m.en),
                message_text(m.pt_br),
                message_text(m.es),
            ]
        }),
    );
    let mut out = readme.to_string();
    for (name, table) in [
        ("attributes", attributes),
        ("methods", methods),
        ("events", events),
        ("states", states),
        ("parts", parts),
        ("css-properties", css),
        ("error-codes", errors),
        ("messages", messages),
    ] {
        let start = format!("<!-- api:{name}:start -->");
        let end = format!("<!-- api:{name}:end -->");
        out = splice(&out, "README.md", &start, &end, &format!("\n{table}\n"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd;
    use std::path::PathBuf;

    /// A scratch copy of the files `files` reads, written as `cargo xtask api` would.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("zapi-xtask-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("npm/src")).unwrap();
        for path in ["README.md", DTS, PACKAGE_README] {
            std::fs::copy(cmd::root().join(path), dir.join(path)).unwrap();
        }
        write(&dir).unwrap();
        dir
    }

    #[test]
    fn freshly_written_files_pass_the_check() {
        let dir = scratch("fresh");
        check(&dir).unwrap();
        // Writing again changes nothing.
        let before = read(&dir, "README.md").unwrap();
        write(&dir).unwrap();
        assert_eq!(read(&dir, "README.md").unwrap(), before);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_drifted_file_fails_the_check_by_name() {
        for (path, from, to) in [
            (
                "npm/custom-elements.json",
                "\"name\": \"code-ttl\"",
                "\"name\": \"code-tl\"",
            ),
            (
                "npm/index.d.ts",
                "codeTtl: number;",
                "codeTtl: string | null;",
            ),
            ("npm/src/api.js", "\"qr-format\"", "\"qr-fmt\""),
            (
                "README.md",
                "| `retry` | Try again |",
                "| `retry` | Retry |",
            ),
        ] {
            let dir = scratch("drift");
            let text = read(&dir, path).unwrap();
            assert!(text.contains(from), "{path} holds {from}");
            std::fs::write(dir.join(path), text.replacen(from, to, 1)).unwrap();
            let error = check(&dir).unwrap_err();
            assert!(error.starts_with(path), "{error}");
            assert!(error.contains("run `cargo xtask api`"), "{error}");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn the_package_readme_must_name_every_attribute_method_and_event() {
        let dir = scratch("package-readme");
        let text = read(&dir, PACKAGE_README).unwrap();
        std::fs::write(dir.join(PACKAGE_README), text.replace("`zapi-expired`", "")).unwrap();
        let error = check(&dir).unwrap_err();
        assert!(error.starts_with(PACKAGE_README), "{error}");
        assert!(error.contains("`zapi-expired`"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_marker_is_an_error() {
        let dir = scratch("marker");
        let readme = read(&dir, "README.md").unwrap();
        let readme = readme.replace("<!-- api:parts:end -->", "");
        std::fs::write(dir.join("README.md"), readme).unwrap();
        let error = check(&dir).unwrap_err();
        assert!(error.contains("<!-- api:parts:end -->"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_event_field_has_a_known_type() {
        let known = [
            "string",
            "number",
            "boolean",
            STATE_TYPE,
            ERROR_CODE_TYPE,
            METHOD_TYPE,
        ];
        for event in api::EVENTS {
            for field in event.fields {
                assert!(known.contains(&field.ty), "{}.{}", event.name, field.name);
            }
        }
    }

    #[test]
    fn splice_keeps_everything_outside_the_markers() {
        let text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n";
        let out = splice(text, "t", "<!-- x:start", "<!-- x:end", "new\n").unwrap();
        assert_eq!(out, "a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n");
    }
}
