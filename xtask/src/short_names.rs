//! Short names for the wasm module's imports and exports. wasm-bindgen names each import after
//! its JS function plus a hash (`__wbg_addEventListener_6ba04e1ac2cd1eb4`), written once in the
//! wasm and once in the glue, where brotli cannot share them: about 2.5 KB of the bundle.
//! binaryen renames them (`--minify-imports-and-exports-and-modules`) and prints the mapping;
//! the glue is rewritten to match, and every name it held must be found.

use crate::cmd::Result;

/// The mapping binaryen prints: `[module, old, new]` per import, `[old, new]` per export.
pub struct Renames {
    imports: Vec<(String, String)>,
    exports: Vec<(String, String)>,
}

/// binaryen moves every import into one module of this name.
pub const MODULE: &str = "a";

pub fn parse(mapping: &str) -> Result<Renames> {
    let mut renames = Renames {
        imports: Vec::new(),
        exports: Vec::new(),
    };
    for line in mapping.lines() {
        let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        match quoted[..] {
            [_module, old, new] => renames.imports.push((old.into(), new.into())),
            [old, new] => renames.exports.push((old.into(), new.into())),
            // Blank lines, braces and the two section headers.
            [] | [_] => {}
            _ => return Err(format!("unexpected line in binaryen's mapping: {line}")),
        }
    }
    if renames.imports.is_empty() || renames.exports.is_empty() {
        return Err("binaryen printed no renamed imports or exports".into());
    }
    Ok(renames)
}

/// The glue with the new names: import keys of the object handed to the module, `wasm.<export>`
/// uses, and the module's name.
pub fn rewrite_glue(glue: &str, module: &str, renames: &Renames) -> Result<String> {
    let old_module = format!("\"./{module}\": ");
    if glue.matches(&old_module).count() != 1 {
        return Err(format!(
            "the glue does not name its import module {old_module}"
        ));
    }
    let glue = glue.replace(&old_module, &format!("\"{MODULE}\": "));
    let mut out = String::with_capacity(glue.len());
    let mut unused: Vec<&str> = renames
        .imports
        .iter()
        .map(|(old, _)| old.as_str())
        .collect();
    let mut unknown_exports = Vec::new();
    let mut rest = glue.as_str();
    while let Some(start) = rest.find(is_ident) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        let after_wasm = out.ends_with("wasm.");
        let renamed = if after_wasm {
            let new = lookup(&renames.exports, word);
            if new.is_none() {
                unknown_exports.push(word.to_owned());
            }
            new
        } else if rest[end..].starts_with(": ") {
            let new = lookup(&renames.imports, word);
            if new.is_some() {
                unused.retain(|old| *old != word);
            }
            new
        } else {
            None
        };
        out.push_str(renamed.unwrap_or(word));
        rest = &rest[end..];
    }
    out.push_str(rest);
    if !unused.is_empty() {
        return Err(format!("the glue does not define the imports {unused:?}"));
    }
    // A `wasm.<name>` the mapping does not rename would be undefined once the exports are
    // renamed: the glue changed shape, so stop rather than ship it.
    if !unknown_exports.is_empty() {
        return Err(format!(
            "the glue uses exports the mapping does not name: {unknown_exports:?}"
        ));
    }
    Ok(out)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn lookup<'a>(pairs: &'a [(String, String)], old: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(from, _)| from == old)
        .map(|(_, to)| to.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = r#"{
 "imports": [
  ["./m_bg.js", "__wbg_now_463ac581d2fc7ea3", "b"],
  ["./m_bg.js", "__wbindgen_init_externref_table", "$a"]
 ],
"exports": [
  ["memory", "a"],
  ["element_new", "c"]
 ]
}"#;

    const GLUE: &str = r#"function imports() {
    const import0 = {
        __wbg_now_463ac581d2fc7ea3: function() { return Date.now(); },
        __wbindgen_init_externref_table: function() { const table = wasm.memory; },
    };
    return { "./m_bg.js": import0 };
}
export function make() { return wasm.element_new(memory, element_new); }"#;

    #[test]
    fn imports_exports_and_the_module_are_renamed_and_nothing_else() {
        let renames = parse(MAPPING).unwrap();
        let glue = rewrite_glue(GLUE, "m_bg.js", &renames).unwrap();
        assert!(glue.contains("        b: function() { return Date.now(); },"));
        assert!(glue.contains("        $a: function() { const table = wasm.a; },"));
        assert!(glue.contains(r#"return { "a": import0 };"#));
        // Names that are not import keys or `wasm.` members stay.
        assert!(glue.contains("return wasm.c(memory, element_new);"));
        assert!(!glue.contains("463ac581"));
    }

    #[test]
    fn a_missing_import_is_an_error() {
        let renames = parse(MAPPING).unwrap();
        let glue = GLUE.replace("__wbg_now_463ac581d2fc7ea3: ", "__wbg_now_other: ");
        assert!(rewrite_glue(&glue, "m_bg.js", &renames).is_err());
    }

    #[test]
    fn an_export_the_mapping_does_not_name_is_an_error() {
        let renames = parse(MAPPING).unwrap();
        let glue = GLUE.replace("wasm.element_new(", "wasm.element_renamed_elsewhere(");
        let error = rewrite_glue(&glue, "m_bg.js", &renames).unwrap_err();
        assert!(error.contains("element_renamed_elsewhere"), "{error}");
    }

    #[test]
    fn an_empty_mapping_is_an_error() {
        assert!(parse("{\n \"imports\": [\n ],\n\"exports\": [\n ]\n}").is_err());
    }
}
