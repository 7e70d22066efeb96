//! A small QR code encoder (ISO/IEC 18004): byte mode, error correction level M, mask 0. It
//! replaces a general-purpose QR crate whose mode optimizer, mask scoring and tables cost several
//! kilobytes of bundle; a fixed mask decodes like any other. Tested against that crate.

/// Error correction codewords per block at level M, for versions 1 to 40.
const EC_PER_BLOCK: [u8; 40] = [
    10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
/// Blocks at level M, for versions 1 to 40.
const BLOCKS: [u8; 40] = [
    1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
    26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];

/// An encoded symbol: `size × size` modules, row by row, `true` for dark.
pub struct Qr {
    pub size: usize,
    pub modules: Vec<bool>,
    /// Modules that are not data (finders, timing, alignment, format and version info).
    reserved: Vec<bool>,
}

/// Encodes `data` in the smallest version that holds it; `None` past version 40.
pub fn encode(data: &[u8]) -> Option<Qr> {
    let version = (1..=40).find(|&v| data.len() + header_bytes(v) <= data_codewords(v))?;
    let capacity = data_codewords(version);
    let mut bits = Bits::default();
    bits.push(0b0100, 4);
    bits.push(data.len() as u32, if version < 10 { 8 } else { 16 });
    for &byte in data {
        bits.push(byte.into(), 8);
    }
    let room = capacity * 8 - bits.len;
    bits.push(0, room.min(4));
    bits.push(0, (8 - bits.len % 8) % 8);
    let mut codewords = bits.bytes;
    for pad in [0xEC, 0x11].into_iter().cycle() {
        if codewords.len() >= capacity {
            break;
        }
        codewords.push(pad);
    }
    let mut qr = Qr::new(version);
    qr.place(&interleave(&codewords, version));
    qr.mask_and_format();
    Some(qr)
}

/// The mode indicator and the character count, rounded up to whole bytes.
fn header_bytes(version: usize) -> usize {
    if version < 10 {
        2
    } else {
        3
    }
}

fn alignment_positions(version: usize) -> Vec<usize> {
    if version == 1 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let last = version * 4 + 10;
    let step = if version == 32 {
        26
    } else {
        (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
    };
    let mut positions: Vec<usize> = (0..count - 1).map(|i| last - i * step).collect();
    positions.push(6);
    positions.reverse();
    positions
}

/// Codewords (data and error correction) the symbol holds.
fn raw_codewords(version: usize) -> usize {
    let mut modules = (16 * version + 128) * version + 64;
    if version >= 2 {
        let count = version / 7 + 2;
        modules -= (25 * count - 10) * count - 55;
        if version >= 7 {
            modules -= 36;
        }
    }
    modules / 8
}

fn data_codewords(version: usize) -> usize {
    let index = version - 1;
    raw_codewords(version) - usize::from(EC_PER_BLOCK[index]) * usize::from(BLOCKS[index])
}

/// Splits the data into blocks, adds each block's Reed-Solomon codewords and interleaves them.
fn interleave(data: &[u8], version: usize) -> Vec<u8> {
    let ec_len = usize::from(EC_PER_BLOCK[version - 1]);
    let blocks = usize::from(BLOCKS[version - 1]);
    let raw = raw_codewords(version);
    let short_blocks = blocks - raw % blocks;
    let short_data = raw / blocks - ec_len;
    let generator = generator(ec_len);
    let mut split = Vec::with_capacity(blocks);
    let mut start = 0;
    for block in 0..blocks {
        let len = short_data + usize::from(block >= short_blocks);
        let chunk = &data[start..start + len];
        start += len;
        split.push((chunk, remainder(chunk, &generator)));
    }
    let mut out = Vec::with_capacity(raw);
    for i in 0..=short_data {
        for (chunk, _) in &split {
            if let Some(&byte) = chunk.get(i) {
                out.push(byte);
            }
        }
    }
    for i in 0..ec_len {
        for (_, ec) in &split {
            out.push(ec[i]);
        }
    }
    out
}

/// Multiplication in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1.
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        a = (a << 1) ^ if a & 0x80 != 0 { 0x1D } else { 0 };
        b >>= 1;
    }
    product
}

/// The generator polynomial ∏(x − αⁱ), i < `degree`, without its leading 1.
fn generator(degree: usize) -> Vec<u8> {
    let mut poly = vec![0u8; degree];
    poly[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            poly[j] = gf_mul(poly[j], root) ^ poly.get(j + 1).copied().unwrap_or(0);
        }
        root = gf_mul(root, 2);
    }
    poly
}

fn remainder(data: &[u8], generator: &[u8]) -> Vec<u8> {
    let mut rest = vec![0u8; generator.len()];
    for &byte in data {
        let factor = byte ^ rest.remove(0);
        rest.push(0);
        for (r, g) in rest.iter_mut().zip(generator) {
            *r ^= gf_mul(*g, factor);
        }
    }
    rest
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    fn push(&mut self, value: u32, count: usize) {
        for i in (0..count).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 != 0 {
                if let Some(last) = self.bytes.last_mut() {
                    *last |= 0x80 >> (self.len % 8);
                }
            }
            self.len += 1;
        }
    }
}

impl Qr {
    /// A symbol with its function patterns drawn and the format and version areas reserved.
    fn new(version: usize) -> Self {
        let size = version * 4 + 17;
        let mut qr = Qr {
            size,
            modules: vec![false; size * size],
            reserved: vec![false; size * size],
        };
        for i in 0..size {
            qr.set(6, i, i % 2 == 0);
            qr.set(i, 6, i % 2 == 0);
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            qr.pattern(x, y, 4, |d| d != 2 && d != 4);
        }
        let positions = alignment_positions(version);
        for &x in &positions {
            for &y in &positions {
                let corner = |p: usize| p == 6;
                let on_finder = (corner(x) && corner(y))
                    || (corner(x) && y == size - 7)
                    || (x == size - 7 && corner(y));
                if !on_finder {
                    qr.pattern(x, y, 2, |d| d != 1);
                }
            }
        }
        // Format information, drawn for real once the mask is known; (8, 6) and (6, 8) are
        // timing modules.
        for i in (0..9).filter(|&i| i != 6) {
            qr.set(8, i, false);
            qr.set(i, 8, false);
        }
        for i in 0..8 {
            qr.set(size - 1 - i, 8, false);
            qr.set(8, size - 1 - i, false);
        }
        qr.set(8, size - 8, true);
        if version >= 7 {
            let info = bch(version as u32, 0x1F25);
            for i in 0..18 {
                let dark = (info >> i) & 1 != 0;
                let (a, b) = (size - 11 + i % 3, i / 3);
                qr.set(a, b, dark);
                qr.set(b, a, dark);
            }
        }
        qr
    }

    fn set(&mut self, x: usize, y: usize, dark: bool) {
        let i = y * self.size + x;
        self.modules[i] = dark;
        self.reserved[i] = true;
    }

    /// A square pattern of rings around (`x`, `y`), out to `radius`; `dark(d)` for the ring at
    /// Chebyshev distance `d`. Parts outside the symbol (finder separators) are skipped.
    fn pattern(&mut self, x: usize, y: usize, radius: isize, dark: impl Fn(isize) -> bool) {
        for dy in -radius..=radius {
            for dx in -radius..=radius {
                let (px, py) = (x as isize + dx, y as isize + dy);
                if (0..self.size as isize).contains(&px) && (0..self.size as isize).contains(&py) {
                    self.set(px as usize, py as usize, dark(dx.abs().max(dy.abs())));
                }
            }
        }
    }

    /// Places the codewords in the two-column zigzag, skipping function modules.
    fn place(&mut self, codewords: &[u8]) {
        let total = codewords.len() * 8;
        let mut bit = 0;
        let mut right = self.size - 1;
        loop {
            if right == 6 {
                right = 5;
            }
            let upward = (right + 1) & 2 == 0;
            for vert in 0..self.size {
                let y = if upward { self.size - 1 - vert } else { vert };
                for x in [right, right - 1] {
                    let i = y * self.size + x;
                    if !self.reserved[i] && bit < total {
                        self.modules[i] = codewords[bit / 8] & (0x80 >> (bit % 8)) != 0;
                        bit += 1;
                    }
                }
            }
            if right < 2 {
                break;
            }
            right -= 2;
        }
    }

    /// Applies mask 0 (`(x + y) % 2 == 0`) and draws the format information for it and level M.
    fn mask_and_format(&mut self) {
        let size = self.size;
        for y in 0..size {
            for x in 0..size {
                let i = y * size + x;
                if !self.reserved[i] && (x + y) % 2 == 0 {
                    self.modules[i] = !self.modules[i];
                }
            }
        }
        // Level M is 00, mask 000.
        let info = bch(0, 0x537) ^ 0x5412;
        let bit = |i: usize| (info >> i) & 1 != 0;
        for i in 0..6 {
            self.set(8, i, bit(i));
        }
        self.set(8, 7, bit(6));
        self.set(8, 8, bit(7));
        self.set(7, 8, bit(8));
        for i in 9..15 {
            self.set(14 - i, 8, bit(i));
        }
        for i in 0..8 {
            self.set(size - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            self.set(8, size - 15 + i, bit(i));
        }
    }
}

/// `value` followed by its BCH check bits: the remainder of its division by `generator`.
fn bch(value: u32, generator: u32) -> u32 {
    let degree = 31 - generator.leading_zeros();
    let shifted = value << degree;
    let mut rest = shifted;
    while rest != 0 && 31 - rest.leading_zeros() >= degree {
        rest ^= generator << (31 - rest.leading_zeros() - degree);
    }
    shifted | rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::bits::Bits as CrateBits;
    use qrcode::canvas::{Canvas, MaskPattern};
    use qrcode::{Color, EcLevel, Version};

    /// The crate's symbol for the same bits, level and mask.
    fn reference(data: &[u8]) -> (usize, Vec<bool>) {
        let (version, bits) = (1..=40)
            .find_map(|v| {
                let version = Version::Normal(v);
                let mut bits = CrateBits::new(version);
                bits.push_byte_data(data).ok()?;
                bits.push_terminator(EcLevel::M).ok()?;
                Some((version, bits))
            })
            .unwrap();
        let (data, ec) =
            qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).unwrap();
        let mut canvas = Canvas::new(version, EcLevel::M);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        canvas.apply_mask(MaskPattern::Checkerboard);
        let colors = canvas.into_colors();
        (
            version.width() as usize,
            colors.iter().map(|c| *c == Color::Dark).collect(),
        )
    }

    #[test]
    fn matches_the_reference_encoder_in_every_version() {
        let mut lengths: Vec<usize> = (0..=2331).step_by(37).collect();
        // The largest payload of each version, and one byte more.
        for v in 1..=40 {
            let max = data_codewords(v) - header_bytes(v);
            lengths.extend([max, max + 1]);
        }
        for len in lengths.into_iter().filter(|&len| len <= 2331) {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let ours = encode(&data).unwrap_or_else(|| panic!("{len} bytes"));
            let (size, modules) = reference(&data);
            assert_eq!(ours.size, size, "{len} bytes");
            assert!(ours.modules == modules, "{len} bytes: modules differ");
        }
    }

    #[test]
    fn too_much_data_is_refused() {
        assert!(encode(&[b'x'; 2332]).is_none());
    }
}
