//! Bundlers treat every `new URL("…", import.meta.url)` in a package as a file to ship, and some
//! fail the build when it is missing (Next.js 16 with Turbopack: `Module not found: Can't resolve
//! 'zapi_connect_bg.wasm'`). wasm-bindgen's web glue holds such a fallback,
//! `new URL('zapi_connect_bg.wasm', import.meta.url)`, for an `init()` called without a path; the
//! element never calls it so, and the file sits in `pkg/`, not beside `index.js`. The bundle is
//! built with `--omit-default-module-path`, which leaves the fallback out, and the shipped
//! `index.js` must then name exactly one asset: the element's own URL of the wasm in `pkg/`. A
//! wasm-bindgen release that adds another `import.meta` use stops the build here.

use crate::cmd::Result;

/// The element's URL of its wasm, as esbuild prints it in `npm/index.js`.
pub const WASM_URL: &str = r#"new URL("./pkg/zapi_connect_bg.wasm",import.meta.url)"#;

/// Fails unless `bundle` reads `import.meta` exactly once, in [`WASM_URL`].
pub fn check(bundle: &str) -> Result {
    let own = bundle.matches(WASM_URL).count();
    let uses = bundle.matches("import.meta").count();
    if own == 1 && uses == 1 {
        return Ok(());
    }
    Err(format!(
        "index.js must read `import.meta` once, in `{WASM_URL}`; it holds that URL {own} \
         time(s) and reads `import.meta` {uses} time(s). Bundlers resolve every such URL as a \
         file to ship: check what wasm-bindgen's glue or npm/src/index.js added"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fallback as wasm-bindgen 0.2.130 writes it without `--omit-default-module-path`.
    const GLUE_FALLBACK: &str = "if (module_or_path === undefined) {\n    module_or_path = new \
                                 URL('zapi_connect_bg.wasm', import.meta.url);\n}";

    fn bundle(parts: &[&str]) -> String {
        parts.join("\n")
    }

    #[test]
    fn the_elements_own_url_alone_passes() {
        let ok = bundle(&[
            "function ready(a){return init({module_or_path:a??",
            WASM_URL,
            "})}",
        ]);
        assert!(check(&ok).is_ok());
    }

    #[test]
    fn the_glues_fallback_url_fails_the_build() {
        // Regression: the bundle carried both URLs and Turbopack could not resolve the glue's.
        let both = bundle(&[GLUE_FALLBACK, WASM_URL]);
        let error = check(&both).unwrap_err();
        assert!(error.contains("`import.meta` 2 time(s)"), "{error}");
    }

    #[test]
    fn a_bundle_without_the_elements_url_fails() {
        assert!(check("init({module_or_path:wasmUrl})").is_err());
        assert!(check(&bundle(&[GLUE_FALLBACK])).is_err());
    }

    #[test]
    fn the_elements_url_twice_or_reworded_fails() {
        assert!(check(&bundle(&[WASM_URL, WASM_URL])).is_err());
        let reworded = WASM_URL.replace("./pkg/", "./");
        assert!(check(&reworded).is_err());
        assert!(check(&bundle(&[WASM_URL, "import.meta.resolve('x')"])).is_err());
    }
}
