//! The npm package: wasm built with the size profile and wasm-opt, wasm-bindgen's web glue bundled
//! with the element into `index.js`, `npm pack`.

use crate::asset_urls;
use crate::cmd::{self, Result};
use crate::short_names;
use std::path::{Path, PathBuf};

pub struct Bundle {
    pub tarball: PathBuf,
    pub brotli_bytes: u64,
}

const SIZE_REPORT: &str = r#"
const fs = require("fs"), zlib = require("zlib");
let total = { raw: 0, gzip: 0, brotli: 0 };
for (const file of process.argv.slice(1)) {
  const raw = fs.readFileSync(file);
  const gzip = zlib.gzipSync(raw, { level: 9 }).length;
  const brotli = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }).length;
  total.raw += raw.length; total.gzip += gzip; total.brotli += brotli;
  console.log(`  ${file.padEnd(34)} ${String(raw.length).padStart(8)} raw ${String(gzip).padStart(7)} gzip ${String(brotli).padStart(7)} brotli`);
}
console.log(`  ${"total shipped".padEnd(34)} ${String(total.raw).padStart(8)} raw ${String(total.gzip).padStart(7)} gzip ${String(total.brotli).padStart(7)} brotli`);
console.log(`BROTLI_TOTAL=${total.brotli}`);
"#;

pub fn build() -> Result<Bundle> {
    let npm = cmd::root().join("npm");
    let pkg = npm.join("pkg");
    build_web_wasm(
        "zapi-connect",
        "element",
        "zapi_connect",
        &pkg,
        WasmPath::GivenByCaller,
    )?;
    // The element and the generated glue as one minified module: one request instead of two, and
    // about a third fewer brotli bytes than the glue as wasm-bindgen writes it.
    cmd::run_in(
        "node_modules/.bin/esbuild",
        &[
            "src/index.js",
            "--bundle",
            "--minify",
            "--format=esm",
            "--target=es2022",
            "--log-level=warning",
            "--outfile=index.js",
        ],
        &npm,
        &[],
    )?;
    let index_js = npm.join("index.js");
    asset_urls::check(
        &std::fs::read_to_string(&index_js).map_err(|e| format!("{}: {e}", index_js.display()))?,
    )?;
    let brotli_bytes = report_size()?;
    // npm packs README.md and LICENSE whatever `files` says; the license is the repository's.
    let license = npm.join("LICENSE");
    std::fs::copy(cmd::root().join("LICENSE"), &license)
        .map_err(|e| format!("{}: {e}", license.display()))?;
    let packs = cmd::target_dir().join("npm");
    std::fs::create_dir_all(&packs).map_err(|e| format!("{}: {e}", packs.display()))?;
    let name = cmd::output_in(
        "npm",
        &[
            "pack",
            "--silent",
            "--pack-destination",
            packs.to_str().unwrap_or("."),
        ],
        &npm,
    )
    .ok_or("`npm pack` failed")?;
    let tarball = packs.join(name.lines().last().unwrap_or_default());
    check_packed_files(&tarball)?;
    println!("xtask: packed {}", tarball.display());
    Ok(Bundle {
        tarball,
        brotli_bytes,
    })
}

impl Bundle {
    /// Fails when the shipped bytes exceed the budget the README states.
    pub fn check_budget(&self) -> Result {
        let budget_kb = readme_budget_kb()?;
        let kb = self.brotli_bytes as f64 / 1024.0;
        if kb > budget_kb as f64 {
            return Err(format!(
                "bundle is {kb:.1} KB brotli, over the {budget_kb} KB budget in README.md"
            ));
        }
        println!("xtask: bundle is {kb:.1} KB brotli, within the {budget_kb} KB budget");
        Ok(())
    }
}

/// What every install of the package needs: code, wasm, types, the npm page and the license.
const PACKED_FILES: [&str; 7] = [
    "package.json",
    "index.js",
    "index.d.ts",
    "custom-elements.json",
    "pkg/zapi_connect_bg.wasm",
    "README.md",
    "LICENSE",
];

fn check_packed_files(tarball: &Path) -> Result {
    let listing = cmd::output("tar", &["-tzf", cmd::utf8(tarball)?])
        .ok_or_else(|| format!("could not list {}", tarball.display()))?;
    let packed: Vec<&str> = listing
        .lines()
        .map(|line| line.trim_start_matches("package/"))
        .collect();
    let missing: Vec<&str> = PACKED_FILES
        .into_iter()
        .filter(|file| !packed.contains(file))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("the packed tarball lacks {missing:?}"))
    }
}

/// Where the glue's `init()` finds the wasm.
pub enum WasmPath {
    /// Beside the glue when `init()` is called without one (wasm-bindgen's default).
    BesideTheGlue,
    /// Always from the caller: the glue names no URL for bundlers to resolve (see
    /// [`asset_urls`]).
    GivenByCaller,
}

/// Builds `package`'s wasm with the size profile, runs wasm-bindgen (`--target web`) into
/// `out` (emptied first), wasm-opt on the result and gives imports and exports short names: the
/// shipped bundle and the benchmark's QR module are built the same way.
pub fn build_web_wasm(
    package: &str,
    features: &str,
    lib_name: &str,
    out: &Path,
    wasm_path: WasmPath,
) -> Result {
    crate::setup::check_wasm_bindgen_lock()?;
    cmd::cargo(&[
        "build",
        "-p",
        package,
        "--features",
        features,
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "bundle",
    ])?;
    let _ = std::fs::remove_dir_all(out);
    let wasm = cmd::target_dir().join(format!("wasm32-unknown-unknown/bundle/{lib_name}.wasm"));
    let mut args = vec![
        cmd::utf8(&wasm)?,
        "--target",
        "web",
        "--out-dir",
        cmd::utf8(out)?,
    ];
    if let WasmPath::GivenByCaller = wasm_path {
        args.push("--omit-default-module-path");
    }
    cmd::run_in("wasm-bindgen", &args, cmd::root(), &[])?;
    let wasm = out.join(format!("{lib_name}_bg.wasm"));
    wasm_opt(&wasm, &wasm, false)?;
    let mut args = vec![
        "--minify-imports-and-exports-and-modules",
        "--strip-target-features",
    ];
    args.extend(WASM_FEATURES);
    args.extend([cmd::utf8(&wasm)?, "-o", cmd::utf8(&wasm)?]);
    let mapping = cmd::output_in(
        cmd::utf8(&cmd::root().join("npm/node_modules/.bin/wasm-opt"))?,
        &args,
        cmd::root(),
    )
    .ok_or("wasm-opt could not rename the imports and exports")?;
    let renames = short_names::parse(&mapping)?;
    let glue_path = out.join(format!("{lib_name}.js"));
    let glue =
        std::fs::read_to_string(&glue_path).map_err(|e| format!("{}: {e}", glue_path.display()))?;
    let glue = short_names::rewrite_glue(&glue, &format!("{lib_name}_bg.js"), &renames)?;
    std::fs::write(&glue_path, glue).map_err(|e| format!("{}: {e}", glue_path.display()))
}

/// What wasm-bindgen's output uses, for binaryen.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// binaryen's `-Oz` with the features wasm-bindgen's output uses; `keep_names` keeps the name
/// section (for size breakdowns), otherwise debug info and producers are stripped.
pub fn wasm_opt(input: &Path, output: &Path, keep_names: bool) -> Result {
    let mut args = vec!["-Oz"];
    args.extend(if keep_names {
        &["--debuginfo"][..]
    } else {
        &["--strip-debug", "--strip-producers"][..]
    });
    args.extend(WASM_FEATURES);
    args.extend([cmd::utf8(input)?, "-o", cmd::utf8(output)?]);
    let wasm_opt = cmd::root().join("npm/node_modules/.bin/wasm-opt");
    cmd::run_in(cmd::utf8(&wasm_opt)?, &args, cmd::root(), &[])
}

fn report_size() -> Result<u64> {
    let npm = cmd::root().join("npm");
    println!("xtask: shipped bytes (wasm + JS)");
    let out = cmd::output_in(
        "node",
        &["-e", SIZE_REPORT, "pkg/zapi_connect_bg.wasm", "index.js"],
        &npm,
    )
    .ok_or("size report failed")?;
    let mut total = None;
    for line in out.lines() {
        match line.strip_prefix("BROTLI_TOTAL=") {
            Some(n) => total = n.parse().ok(),
            None => println!("{line}"),
        }
    }
    total.ok_or_else(|| "size report printed no total".into())
}

/// The README's line `Size budget: N KB brotli` is the one place the budget is written.
fn readme_budget_kb() -> Result<u64> {
    let readme = std::fs::read_to_string(cmd::root().join("README.md"))
        .map_err(|e| format!("README.md: {e}"))?;
    readme
        .lines()
        .find_map(|line| {
            let rest = line.split("Size budget:").nth(1)?;
            rest.split_whitespace()
                .next()?
                .trim_matches('*')
                .parse()
                .ok()
        })
        .ok_or_else(|| "README.md has no `Size budget: N KB brotli` line".into())
}
