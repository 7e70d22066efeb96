//! Phone numbers as people paste them, turned into the digits Z-API wants: country code, area
//! code and number, nothing else. Plain Rust, tested natively.

use crate::messages::concat;

/// Used when the host sets no `default-country`.
pub const DEFAULT_COUNTRY: &str = "55";

/// A checked number: `digits` for the relay, `display` for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone {
    /// Country code and number, such as `5511912345678`.
    pub digits: String,
    /// Such as `+55 11 91234-5678`.
    pub display: String,
}

/// Why a number was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    Invalid,
}

/// Whether `code` can be a country calling code (1 to 3 digits, not starting with 0).
pub fn is_country_code(code: &str) -> bool {
    (1..=3).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && !code.starts_with('0')
}

/// Reads `input` (`+55 (11) 91234-5678`, `11 91234 5678`, `5511912345678`, `00 44 20 7946 0958`)
/// and adds `country` when the number has none. Brazilian numbers (country 55) must have a
/// 2-digit area code and 8 or 9 digits, 9 of them only for mobiles (leading 9); others must be
/// 8 to 15 digits in all (E.164).
pub fn normalize(input: &str, country: &str) -> Result<Phone, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    if trimmed.chars().any(|c| {
        !matches!(
            c,
            '0'..='9' | ' ' | '+' | '-' | '(' | ')' | '.' | '/' | '\u{a0}'
        )
    }) {
        return Err(PhoneError::Invalid);
    }
    let mut digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = if trimmed.starts_with('+') {
        true
    } else if let Some(rest) = digits.strip_prefix("00") {
        digits = rest.into();
        true
    } else {
        // Without a `+`, a number that already starts with the country code and is longer than
        // any national number is taken as international.
        digits.starts_with(country) && digits.len() > national_max(country)
    };
    if !international {
        // A national trunk prefix (Brazil's leading 0) is not part of the number.
        let national = digits.trim_start_matches('0');
        digits = concat(&[country, national]);
    }
    if digits.starts_with("55") {
        brazil(&digits)
    } else if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
        Ok(Phone {
            display: concat(&["+", &digits]),
            digits,
        })
    } else {
        Err(PhoneError::Invalid)
    }
}

fn national_max(country: &str) -> usize {
    if country == "55" {
        11
    } else {
        15 - country.len()
    }
}

// Checked slicing throughout (`get`, `split_at_checked`): a slice that might panic brings
// core's Unicode tables into the bundle for its panic message.
fn brazil(digits: &str) -> Result<Phone, PhoneError> {
    let (area, number) = digits
        .get(2..)
        .and_then(|national| national.split_at_checked(2))
        .ok_or(PhoneError::Invalid)?;
    let valid_number = match number.len() {
        8 => true,
        9 => number.starts_with('9'),
        _ => false,
    };
    let (head, tail) = number
        .split_at_checked(number.len().wrapping_sub(4))
        .filter(|_| valid_number && !area.starts_with('0'))
        .ok_or(PhoneError::Invalid)?;
    Ok(Phone {
        digits: digits.into(),
        display: concat(&["+55 ", area, " ", head, "-", tail]),
    })
}

/// `ABCD1234` as `ABCD-1234`: the way WhatsApp shows pairing codes. Other lengths stay whole.
pub fn group_code(code: &str) -> String {
    let code = code.trim();
    match code.split_at_checked(4) {
        Some((head, tail)) if code.len() == 8 && !code.bytes().any(|b| b == b'-') => {
            concat(&[head, "-", tail])
        }
        _ => code.into(),
    }
}

/// A number given with its country code (`5511987654321`, as Z-API names a linked phone) in
/// the form the phone screens show: `+55 11 98765-4321`. One they would refuse is shown as
/// `+` and its digits.
pub fn display_international(digits: &str) -> String {
    let international = concat(&["+", digits]);
    normalize(&international, DEFAULT_COUNTRY).map_or(international, |phone| phone.display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_number_is_shown_as_the_phone_screens_show_numbers() {
        for (digits, shown) in [
            ("5511987654321", "+55 11 98765-4321"),
            ("551187654321", "+55 11 8765-4321"),
            ("14155552671", "+14155552671"),
            // Not a Brazilian number the phone screens would take: shown as it is.
            ("5511812345678", "+5511812345678"),
        ] {
            assert_eq!(display_international(digits), shown, "{digits}");
        }
    }

    #[test]
    fn what_people_paste_is_normalized() {
        for (input, digits, display) in [
            ("+55 (11) 91234-5678", "5511912345678", "+55 11 91234-5678"),
            ("11 91234 5678", "5511912345678", "+55 11 91234-5678"),
            ("5511912345678", "5511912345678", "+55 11 91234-5678"),
            ("(11) 91234-5678", "5511912345678", "+55 11 91234-5678"),
            ("011 91234-5678", "5511912345678", "+55 11 91234-5678"),
            ("+55 21 2345-6789", "552123456789", "+55 21 2345-6789"),
            ("21 2345 6789", "552123456789", "+55 21 2345-6789"),
            ("552123456789", "552123456789", "+55 21 2345-6789"),
            // An account registered without the extra 9.
            ("+55 11 8123-4567", "551181234567", "+55 11 8123-4567"),
            (" 0055 11 91234.5678 ", "5511912345678", "+55 11 91234-5678"),
            ("+1 (415) 555-2671", "14155552671", "+14155552671"),
            ("+44 20 7946 0958", "442079460958", "+442079460958"),
            ("+351 912 345 678", "351912345678", "+351912345678"),
            ("+54 9 11 2345-6789", "5491123456789", "+5491123456789"),
        ] {
            assert_eq!(
                normalize(input, "55"),
                Ok(Phone {
                    digits: digits.into(),
                    display: display.into()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn the_default_country_is_added_to_national_numbers() {
        assert_eq!(
            normalize("415 555 2671", "1").unwrap().digits,
            "14155552671"
        );
        assert_eq!(
            normalize("07911 123456", "44").unwrap().digits,
            "447911123456"
        );
        assert_eq!(
            normalize("+55 11 91234-5678", "44").unwrap().digits,
            "5511912345678"
        );
    }

    #[test]
    fn invalid_numbers_are_refused() {
        assert_eq!(normalize("", "55"), Err(PhoneError::Empty));
        assert_eq!(normalize("   ", "55"), Err(PhoneError::Empty));
        for input in [
            "91234-5678",           // no area code
            "11 81234 5678",        // 9 digits that are not a mobile
            "+55 11 91234-56789",   // too long
            "+55 01 91234-5678",    // area code 0x
            "1234",                 // too short anywhere
            "+1 234",               // too short with a country
            "+123 4567 8901 23456", // over 15 digits
            "11 9123A-5678",        // letters
            "call me",
        ] {
            assert_eq!(normalize(input, "55"), Err(PhoneError::Invalid), "{input}");
        }
    }

    #[test]
    fn national_numbers_that_start_with_the_country_code_get_it_added() {
        // Brazil's area code 55, typed without the country code.
        assert_eq!(
            normalize("55 91234-5678", "55"),
            Ok(Phone {
                digits: "5555912345678".into(),
                display: "+55 55 91234-5678".into()
            })
        );
        // Kazakhstan (+7): national numbers start with 7.
        assert_eq!(normalize("7172 123456", "7").unwrap().digits, "77172123456");
        // Up to 15 digits in all: a longer number that starts with the country code has it.
        assert_eq!(
            normalize("4420794609", "44").unwrap().digits,
            "444420794609"
        );
        assert_eq!(
            normalize("712345678901234", "7").unwrap().digits,
            "712345678901234"
        );
        assert_eq!(
            normalize("4412345678901", "44").unwrap().digits,
            "444412345678901"
        );
        assert_eq!(
            normalize("44123456789012", "44").unwrap().digits,
            "44123456789012"
        );
    }

    #[test]
    fn country_codes() {
        assert!(is_country_code("55") && is_country_code("1") && is_country_code("351"));
        assert!(!is_country_code("") && !is_country_code("0") && !is_country_code("5555"));
        assert!(!is_country_code("+55") && !is_country_code("5a"));
    }

    #[test]
    fn pairing_codes_are_grouped() {
        assert_eq!(group_code("ABCD1234"), "ABCD-1234");
        assert_eq!(group_code(" WXYZ5678\n"), "WXYZ-5678");
        assert_eq!(group_code("ABCD-EF"), "ABCD-EF");
        assert_eq!(group_code("A1B2C3D4E5"), "A1B2C3D4E5");
    }
}

// proptest is a native dev-dependency: the wasm32 test build (tests/web.rs) has no copy.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+]?[0-9 ().\\-/]{0,24}",
            "(\\+|00)?(55|1|44|351)[ ]?[0-9 -]{6,14}",
            any::<String>(),
        ]
    }

    proptest! {
        // A failure is shrunk for a few seconds at most: a mutant's run stays short.
        #![proptest_config(ProptestConfig {
            max_shrink_time: 5_000,
            ..ProptestConfig::default()
        })]

        #[test]
        fn normalized_numbers_are_digits_within_bounds_and_read_back_the_same(
            input in typed(),
            country in "[1-9][0-9]{0,2}",
        ) {
            let Ok(phone) = normalize(&input, &country) else {
                return Ok(());
            };
            prop_assert!(phone.digits.bytes().all(|b| b.is_ascii_digit()), "{}", phone.digits);
            prop_assert!((8..=15).contains(&phone.digits.len()), "{}", phone.digits);
            prop_assert!(!phone.digits.starts_with('0'));
            if phone.digits.starts_with("55") {
                prop_assert!((12..=13).contains(&phone.digits.len()), "{}", phone.digits);
            }
            // Normalizing what was shown, or the digits with their `+`, changes nothing.
            prop_assert_eq!(normalize(&phone.display, &country), Ok(phone.clone()));
            let international = concat(&["+", &phone.digits]);
            prop_assert_eq!(normalize(&international, &country), Ok(phone));
        }
    }
}
