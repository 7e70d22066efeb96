//! The values the simulator hands out: QR payloads, their PNG rendering, pairing codes,
//! extension codes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use qrcode::{Color, QrCode};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

/// The characters WhatsApp uses in pairing codes (no 0, O, I or U).
pub const PAIRING_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";

/// Length of a pairing code.
pub const PAIRING_CODE_LEN: usize = 8;

/// Modules of light margin around the code; scanners need at least 4.
pub const QUIET_ZONE: usize = 4;

/// Pixels per QR module in the PNG.
pub const MODULE_PX: usize = 8;

/// A fresh payload shaped like WhatsApp's: `2@<ref>,<key>,<key>,<key>`.
pub fn random_qr_payload() -> String {
    let mut rng = rand::rng();
    let mut reference = [0u8; 66];
    rng.fill_bytes(&mut reference);
    let mut payload = format!("2@{}", STANDARD.encode(reference));
    for _ in 0..3 {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        payload.push(',');
        payload.push_str(&STANDARD.encode(key));
    }
    payload
}

/// What the 2026 QR text starts with, so that a phone's camera opens WhatsApp's linking screen.
pub const QR_2026_PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// The characters of an extension code.
pub const EXTENSION_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The text a QR code carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QrFormat {
    /// `2@<ref>,<key>,<key>,<key>`, as before 2026.
    #[default]
    #[serde(rename = "classic")]
    Classic,
    /// `https://wa.me/settings/linked_devices#2@<ref>,<key>,<key>,<key>,1`: five
    /// comma-separated fields after WhatsApp's URL.
    #[serde(rename = "2026")]
    Y2026,
}

/// A fresh payload in `format`.
pub fn random_qr(format: QrFormat) -> String {
    match format {
        QrFormat::Classic => random_qr_payload(),
        QrFormat::Y2026 => format!("{QR_2026_PREFIX}{},1", random_qr_payload()),
    }
}

/// A fresh extension code, `XXXX-XXXX` from `0-9A-Z`.
pub fn random_extension_token() -> String {
    let mut rng = rand::rng();
    let mut pick = || EXTENSION_ALPHABET[rng.random_range(0..EXTENSION_ALPHABET.len())] as char;
    let first: String = (0..4).map(|_| pick()).collect();
    let second: String = (0..4).map(|_| pick()).collect();
    format!("{first}-{second}")
}

/// A fresh 8-character pairing code.
pub fn random_pairing_code() -> String {
    let mut rng = rand::rng();
    (0..PAIRING_CODE_LEN)
        .map(|_| PAIRING_ALPHABET[rng.random_range(0..PAIRING_ALPHABET.len())] as char)
        .collect()
}

/// Renders `payload` as a grayscale PNG: dark modules on white, with a quiet zone.
pub fn qr_png(payload: &str) -> Vec<u8> {
    let code = QrCode::new(payload.as_bytes()).expect("a QR payload always fits in a QR code");
    let modules = code.width();
    let colors = code.to_colors();
    let side_modules = modules + 2 * QUIET_ZONE;
    let side_px = side_modules * MODULE_PX;

    let mut pixels = vec![255u8; side_px * side_px];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
        for y in my * MODULE_PX..(my + 1) * MODULE_PX {
            let row = y * side_px;
            pixels[row + mx * MODULE_PX..row + (mx + 1) * MODULE_PX].fill(0);
        }
    }

    let mut out = Vec::new();
    let side = u32::try_from(side_px).expect("QR images are small");
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .expect("writing to a Vec cannot fail");
    writer
        .write_image_data(&pixels)
        .expect("the pixel buffer matches the header");
    writer.finish().expect("writing to a Vec cannot fail");
    out
}

/// `qr_png` as the data URL Z-API returns from `/qr-code/image`.
pub fn qr_png_data_url(payload: &str) -> String {
    format!("data:image/png;base64,{}", STANDARD.encode(qr_png(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_looks_like_whatsapps() {
        let payload = random_qr_payload();
        let rest = payload.strip_prefix("2@").unwrap();
        let parts: Vec<&str> = rest.split(',').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0].len(), 88);
        for key in &parts[1..] {
            assert_eq!(key.len(), 44);
            assert_eq!(STANDARD.decode(key).unwrap().len(), 32);
        }
        assert_ne!(payload, random_qr_payload());
    }

    #[test]
    fn payload_2026_is_whatsapps_url_with_five_fields() {
        let payload = random_qr(QrFormat::Y2026);
        let fields: Vec<&str> = payload
            .strip_prefix(QR_2026_PREFIX)
            .unwrap()
            .split(',')
            .collect();
        assert_eq!(fields.len(), 5);
        assert!(fields[0].starts_with("2@"));
        assert_eq!(fields[4], "1");
        assert_ne!(payload, random_qr(QrFormat::Y2026));
        assert!(QrCode::new(payload.as_bytes()).is_ok());
        assert!(random_qr(QrFormat::Classic).starts_with("2@"));
    }

    #[test]
    fn extension_token_is_two_groups_of_four() {
        for _ in 0..50 {
            let token = random_extension_token();
            let (first, second) = token.split_once('-').unwrap();
            assert_eq!((first.len(), second.len()), (4, 4), "{token}");
            assert!(first
                .bytes()
                .chain(second.bytes())
                .all(|b| EXTENSION_ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn pairing_code_uses_whatsapps_alphabet() {
        for _ in 0..50 {
            let code = random_pairing_code();
            assert_eq!(code.len(), PAIRING_CODE_LEN);
            assert!(code.bytes().all(|b| PAIRING_ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn png_is_dark_on_light_with_a_quiet_zone() {
        let payload = random_qr_payload();
        let bytes = qr_png(&payload);
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let modules = QrCode::new(payload.as_bytes()).unwrap().width();
        let side = ((modules + 2 * QUIET_ZONE) * MODULE_PX) as u32;
        assert_eq!((info.width, info.height), (side, side));
        assert_eq!(info.color_type, png::ColorType::Grayscale);

        let side = side as usize;
        let quiet_px = QUIET_ZONE * MODULE_PX;
        for y in 0..quiet_px {
            assert!(buf[y * side..(y + 1) * side].iter().all(|&p| p == 255));
        }
        // Every QR code has a dark finder pattern in its top-left corner.
        assert_eq!(buf[quiet_px * side + quiet_px], 0);
    }
}
