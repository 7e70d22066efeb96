//! Configuration errors, which name the setting and never show its value.

use std::fmt;

/// serde quotes the offending value in some messages; it may be a secret in the wrong place.
pub(super) fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
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
