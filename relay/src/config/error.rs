//! Configuration errors, which name the setting and never show its value.

use std::fmt;

/// serde quotes the offending value in its messages, in double quotes (strings) or backticks
/// (numbers, dates, variants, unescaped); it may be a secret in the wrong place. A message is
/// what was found, then what was expected: the expected part is kept when it names only the
/// relay's own keys, and everything from the first quote to the last in the found part goes,
/// except a single key name after `field ` or `key ` (an unknown, missing or repeated key).
pub(super) fn without_quoted_values(message: &str) -> String {
    let (found, expected) = split_expected(message);
    format!("{}{expected}", redact_found(found))
        .trim_end()
        .to_owned()
}

fn split_expected(message: &str) -> (&str, &str) {
    if let Some(at) = message.rfind(", expected ") {
        let expected = &message[at..];
        let names_only = !expected.contains('"')
            && expected.matches('`').count().is_multiple_of(2)
            && expected.split('`').skip(1).step_by(2).all(is_key_name);
        if names_only {
            return message.split_at(at);
        }
    }
    (message, "")
}

fn redact_found(found: &str) -> String {
    let quotes = ['"', '`'];
    let (Some(first), Some(last)) = (found.find(quotes), found.rfind(quotes)) else {
        return found.to_owned();
    };
    let (head, quote) = (&found[..first], &found[first..=first]);
    if first == last {
        return format!("{head}{quote}…{quote}");
    }
    let inner = &found[first + 1..last];
    let names_a_key = (head.ends_with("field ") || head.ends_with("key "))
        && &found[last..=last] == quote
        && is_key_name(inner);
    let shown = if names_a_key { inner } else { "…" };
    format!("{head}{quote}{shown}{quote}{}", &found[last + 1..])
}

/// The relay's own keys and variants: `snake_case`, short, starting with a letter.
fn is_key_name(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub(super) fn invalid(name: &str) -> impl Fn(String) -> ConfigError + '_ {
    move |reason| ConfigError::Invalid {
        name: name.to_owned(),
        reason,
    }
}

/// A configuration problem found at startup. Names the setting, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing(&'static str),
    Invalid { name: String, reason: String },
    Syntax { line: Option<usize>, reason: String },
    File { path: String, reason: String },
}

impl ConfigError {
    pub(super) fn in_file(self, file: &std::path::Path) -> Self {
        match self {
            ConfigError::Syntax { line, reason } => ConfigError::File {
                path: file.display().to_string(),
                reason: match line {
                    Some(line) => format!("line {line}: {reason}"),
                    None => reason,
                },
            },
            other => other,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "{name} is not set"),
            ConfigError::Invalid { name, reason } => write!(f, "{name} is invalid: {reason}"),
            ConfigError::Syntax {
                line: Some(line),
                reason,
            } => write!(f, "config line {line}: {reason}"),
            ConfigError::Syntax { line: None, reason } => write!(f, "config: {reason}"),
            ConfigError::File { path, reason } => write!(f, "{path}: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::without_quoted_values as shown;

    #[test]
    fn quoted_values_go_and_key_names_stay() {
        for (message, expected) in [
            (
                "invalid type: integer `918273645546`, expected a string",
                "invalid type: integer `…`, expected a string",
            ),
            (
                "invalid type: string \"s3cr\\\"et\", expected u64",
                "invalid type: string \"…\", expected u64",
            ),
            (
                "unknown field `tokn`, expected one of `id`, `token`",
                "unknown field `tokn`, expected one of `id`, `token`",
            ),
            (
                "unknown variant `a3f9c1`, expected one of `none`, `ticket`, `header`",
                "unknown variant `…`, expected one of `none`, `ticket`, `header`",
            ),
            (
                "unknown variant `x, expected `abc`, expected one of `none`",
                "unknown variant `…`, expected one of `none`",
            ),
            (
                "unknown variant `s3`, expected one of `none`, expected one of `none`, `ticket`",
                "unknown variant `…`, expected one of `none`, `ticket`",
            ),
            (
                "invalid type: string \"a, expected b\", expected u64",
                "invalid type: string \"…\", expected u64",
            ),
            (
                "unknown field `tokn`, there are no fields",
                "unknown field `tokn`, there are no fields",
            ),
            ("unknown field `9f86d081`", "unknown field `…`"),
            ("invalid value: `open-ended", "invalid value: `…`"),
        ] {
            assert_eq!(shown(message), expected, "{message}");
        }
    }
}
