//! One export, `qr_svg(payload)`, that runs the widget's QR encoder (`zapi_connect::qr_svg`) and
//! returns a complete SVG document, as `QRCode.toString(value, { type: "svg" })` does for the
//! qrcode npm package. `cargo xtask bench` times the two in the same page.

use wasm_bindgen::prelude::*;
use zapi_connect::qr_svg;

/// The SVG for `payload`: a light tile with the quiet zone and one path for the dark modules;
/// an empty string when the payload does not fit in a QR code.
#[wasm_bindgen]
pub fn qr_svg(payload: &str) -> String {
    let Some(code) = qr_svg::encode(payload) else {
        return String::new();
    };
    let view_box = code.view_box();
    let mut svg = String::with_capacity(code.path.len() + 160);
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox=""#);
    svg.push_str(&view_box);
    svg.push_str(
        r##"" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##,
    );
    svg.push_str(&code.path);
    svg.push_str(r#""/></svg>"#);
    svg
}
