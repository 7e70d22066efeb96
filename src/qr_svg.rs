//! Encodes a QR payload (with the `qrcodegen` crate) into the pieces of an inline SVG: dark modules
//! on a light tile with a quiet zone of 4 modules, drawn as a single path.

use qrcodegen::{QrCode, QrCodeEcc};

use crate::messages::push_u32;

/// Modules of light margin on each side, as the QR specification asks.
pub const QUIET_ZONE: u32 = 4;

/// An encoded QR code ready for an `<svg viewBox="0 0 {size} {size}">`.
#[derive(Clone, Debug, PartialEq)]
pub struct QrSvg {
    /// Width and height in modules, quiet zone included.
    pub size: u32,
    /// Path data covering every dark module, in module units.
    pub path: String,
}

impl QrSvg {
    /// `"0 0 {size} {size}"`.
    pub fn view_box(&self) -> String {
        let mut text = String::from("0 0 ");
        push_u32(&mut text, self.size);
        text.push(' ');
        push_u32(&mut text, self.size);
        text
    }
}

/// The symbol for `payload` in byte mode at error correction level M (higher when that fits in
/// the same size), with the mask that scores best. Byte mode only: the text segmenter is
/// several KB of bundle, and WhatsApp's payloads have lower-case letters, so need bytes anyway.
fn modules(payload: &str) -> Option<QrCode> {
    QrCode::encode_binary(payload.as_bytes(), QrCodeEcc::Medium).ok()
}

/// Encodes `payload`; `None` when it does not fit in a QR code.
pub fn encode(payload: &str) -> Option<QrSvg> {
    let code = modules(payload)?;
    let width = code.size() as usize;
    let mut path = String::with_capacity(width * width);
    for y in 0..width {
        let dark = |x: usize| code.get_module(x as i32, y as i32);
        let mut x = 0;
        while x < width {
            if !dark(x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && dark(x) {
                x += 1;
            }
            // One rectangle per horizontal run of dark modules keeps the path short.
            path.push('M');
            push_u32(&mut path, start as u32 + QUIET_ZONE);
            path.push(' ');
            push_u32(&mut path, y as u32 + QUIET_ZONE);
            path.push('h');
            push_u32(&mut path, (x - start) as u32);
            path.push_str("v1h-");
            push_u32(&mut path, (x - start) as u32);
            path.push('z');
        }
    }
    Some(QrSvg {
        size: width as u32 + 2 * QUIET_ZONE,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "2@Yx9LhQdA1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789,Zm9vYmFyYmF6cXV4,c2Vzc2lvbmtleQ==,aWRlbnRpdHlrZXk=";

    fn rects(svg: &QrSvg) -> Vec<(u32, u32, u32)> {
        svg.path
            .split('z')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let s = s.strip_prefix('M').unwrap();
                let (xy, rest) = s.split_once('h').unwrap();
                let (x, y) = xy.split_once(' ').unwrap();
                let (len, _) = rest.split_once("v1h-").unwrap();
                (x.parse().unwrap(), y.parse().unwrap(), len.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn a_payload_becomes_a_square_with_a_quiet_zone() {
        let svg = encode(PAYLOAD).unwrap();
        let code = modules(PAYLOAD).unwrap();
        assert_eq!(svg.size, code.size() as u32 + 8);
        assert_eq!(svg.view_box(), format!("0 0 {0} {0}", svg.size));
        let rects = rects(&svg);
        assert!(!rects.is_empty());
        for (x, y, len) in rects {
            assert!(
                x >= QUIET_ZONE && y >= QUIET_ZONE,
                "dark module in the quiet zone"
            );
            assert!(x + len <= svg.size - QUIET_ZONE && y < svg.size - QUIET_ZONE);
        }
    }

    #[test]
    fn the_path_draws_exactly_the_dark_modules() {
        let svg = encode("hello").unwrap();
        let code = modules("hello").unwrap();
        let w = code.size() as usize;
        let mut drawn = vec![false; w * w];
        for (x, y, len) in rects(&svg) {
            for dx in 0..len {
                let (mx, my) = ((x + dx - QUIET_ZONE) as usize, (y - QUIET_ZONE) as usize);
                assert!(!drawn[my * w + mx], "module drawn twice");
                drawn[my * w + mx] = true;
            }
        }
        let dark: Vec<bool> = (0..w * w)
            .map(|i| code.get_module((i % w) as i32, (i / w) as i32))
            .collect();
        assert_eq!(drawn, dark);
    }

    #[test]
    fn a_payload_too_long_for_a_qr_code_is_refused() {
        assert!(encode(&"x".repeat(5000)).is_none());
    }
}
