//! What the shipped wasm is made of, by crate (twiggy).

use crate::bundle;
use crate::cmd::{self, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What the shipped wasm is made of, by crate, from twiggy on a copy optimized like the bundle
/// but with its name section kept.
pub(super) fn wasm_breakdown(wasm: &Path) -> Result<String> {
    let dir = cmd::target_dir().join("bench/wasm-names");
    let _ = std::fs::remove_dir_all(&dir);
    cmd::run_in(
        "wasm-bindgen",
        &[
            cmd::utf8(wasm)?,
            "--target",
            "web",
            "--keep-debug",
            "--out-dir",
            cmd::utf8(&dir)?,
        ],
        cmd::root(),
        &[],
    )?;
    let named = dir.join("zapi_connect_bg.wasm");
    bundle::wasm_opt(&named, &named, true)?;
    let csv = cmd::output_in(
        "twiggy",
        &["top", "-n", "1000000", "-f", "csv", cmd::utf8(&named)?],
        cmd::root(),
    )
    .ok_or("twiggy failed")?;
    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    let mut items: Vec<(u64, String)> = Vec::new();
    let mut total = 0;
    for line in csv.lines().skip(1) {
        let Some((name, size)) = csv_name_and_size(line) else {
            continue;
        };
        // Names exist only in this copy: the shipped wasm has no name section.
        if name.contains("\"function names\" subsection") || name.starts_with("custom section") {
            continue;
        }
        total += size;
        *by_crate.entry(owner(&name)).or_default() += size;
        items.push((size, name));
    }
    if total == 0 {
        return Err("twiggy listed nothing".into());
    }
    let mut crates: Vec<(u64, String)> = by_crate.into_iter().map(|(k, v)| (v, k)).collect();
    crates.sort_by(|a, b| b.cmp(a));
    items.sort_by(|a, b| b.cmp(a));
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Where the wasm's {:.1} KB (uncompressed, after `wasm-opt -Oz`) go, by crate \
         (twiggy shallow sizes; `data`/`code[n]` are items without a Rust name):\n",
        total as f64 / 1024.0
    );
    md.push_str("| crate | bytes | share |\n|---|---:|---:|\n");
    for (size, name) in crates.iter().take(16) {
        let _ = writeln!(
            md,
            "| `{name}` | {size} | {:.1} % |",
            *size as f64 * 100.0 / total as f64
        );
    }
    md.push_str("\nLargest single items:\n\n| item | bytes |\n|---|---:|\n");
    for (size, name) in items.iter().take(12) {
        let mut name = name.replace('|', "\\|");
        if name.len() > 110 {
            let cut = (0..=110)
                .rev()
                .find(|&i| name.is_char_boundary(i))
                .unwrap_or(0);
            name.truncate(cut);
            name.push('…');
        }
        let _ = writeln!(md, "| `{name}` | {size} |");
    }
    Ok(md)
}

/// The first two fields of twiggy's CSV (`Name,ShallowSize,...`); a quoted name may hold commas
/// and doubled quotes.
pub(super) fn csv_name_and_size(line: &str) -> Option<(String, u64)> {
    let (name, rest) = match line.strip_prefix('"') {
        Some(quoted) => {
            let mut name = String::new();
            let mut chars = quoted.char_indices().peekable();
            loop {
                let (i, c) = chars.next()?;
                if c != '"' {
                    name.push(c);
                } else if chars.peek().map(|&(_, c)| c) == Some('"') {
                    name.push('"');
                    chars.next();
                } else {
                    break (name, quoted[i + 1..].strip_prefix(',')?);
                }
            }
        }
        None => {
            let (name, rest) = line.split_once(',')?;
            (name.to_string(), rest)
        }
    };
    let size = rest.split(',').next()?.parse().ok()?;
    Some((name, size))
}

/// The crate an item belongs to: the first path segment of its demangled name.
pub(super) fn owner(name: &str) -> String {
    let name = name
        .trim_start_matches("<")
        .trim_start_matches("&")
        .trim_start_matches("mut ")
        .trim_start_matches("dyn ");
    if name.starts_with("data[") || name.starts_with("data segment") {
        return "data (strings, tables)".into();
    }
    match name.find("::") {
        // `core[c5930c85a12de822]`: std's crates carry their hash.
        Some(end) if !name[..end].contains(' ') => {
            let krate = &name[..end];
            krate[..krate.find('[').unwrap_or(krate.len())].to_string()
        }
        _ if name.starts_with("code[") || name.contains("func[") => "unnamed code".into(),
        _ => "exports, imports, tables (no Rust path)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiggy_csv_names_may_hold_commas_and_quotes() {
        let line = r#""data segment "".rodata.2""",14076,5.24,,"#;
        assert_eq!(
            csv_name_and_size(line),
            Some((r#"data segment ".rodata.2""#.to_string(), 14076))
        );
        assert_eq!(
            csv_name_and_size("zapiconnectelement_connect,7615,2.8,,"),
            Some(("zapiconnectelement_connect".to_string(), 7615))
        );
    }

    #[test]
    fn items_are_grouped_by_crate() {
        assert_eq!(owner("leptos::mount::mount_to::h123"), "leptos");
        assert_eq!(
            owner("<qrcode::bits::Bits as core::fmt::Debug>::fmt"),
            "qrcode"
        );
        assert_eq!(owner("data[0]"), "data (strings, tables)");
        assert_eq!(owner("core[c5930c85a12de822]::fmt::write"), "core");
    }
}
