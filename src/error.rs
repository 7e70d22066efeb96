//! Errors as data: a stable code, a message that says what to do, and whether retrying can help.

/// The widget's stable error codes (the `code` of a `zapi-error` event and of `data-code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The relay could not be reached at all (the request was rejected by the browser).
    RelayUnreachable,
    /// The relay or Z-API did not answer within 10 s.
    Timeout,
    /// Z-API refused the caller (IP allow-list or missing Client-Token).
    AccessDenied,
    /// The relay refused the page's ticket (`token`): missing, expired, forged or for another
    /// instance. The page must give a new one.
    Unauthorized,
    /// The Z-API instance must be subscribed to again.
    SubscriptionExpired,
    /// An answer that could not be read.
    MalformedResponse,
    /// HTTP 429.
    RateLimited,
    /// Z-API failed or could not be reached by the relay.
    UpstreamError,
    /// Any other error from the relay, such as a 404 from a wrong relay URL.
    RelayError,
    /// The phone number is not one WhatsApp can link (checked here, or refused with a 400).
    InvalidPhone,
    /// The widget has no relay URL.
    InvalidConfig,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RelayUnreachable => "relay_unreachable",
            Self::Timeout => "timeout",
            Self::AccessDenied => "access_denied",
            Self::Unauthorized => "unauthorized",
            Self::SubscriptionExpired => "subscription_expired",
            Self::MalformedResponse => "malformed_response",
            Self::RateLimited => "rate_limited",
            Self::UpstreamError => "upstream_error",
            Self::RelayError => "relay_error",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidConfig => "invalid_config",
        }
    }

    /// Whether trying again later can help without someone changing a setting first.
    fn retryable(self) -> bool {
        matches!(
            self,
            Self::RelayUnreachable
                | Self::Timeout
                | Self::MalformedResponse
                | Self::RateLimited
                | Self::UpstreamError
        )
    }
}

/// What the widget shows and emits when something fails.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetError {
    pub code: ErrorCode,
    /// A sentence for people that says what to do, in the widget's language; filled in by the
    /// view when the error is shown (see `messages::Texts::error`).
    pub message: String,
    pub retryable: bool,
    /// Seconds to wait, from a `Retry-After` header (rate limiting only).
    pub retry_after_secs: Option<u32>,
}

impl WidgetError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: String::new(),
            retryable: code.retryable(),
            retry_after_secs: None,
        }
    }

    pub fn rate_limited(retry_after_secs: Option<u32>) -> Self {
        let mut error = Self::new(ErrorCode::RateLimited);
        error.retry_after_secs = retry_after_secs;
        error
    }

    /// Whether the error view offers a "Try again" button: a retry cannot fix a missing relay URL,
    /// but it can follow an administrator's fix of anything else.
    pub fn offers_retry(&self) -> bool {
        !matches!(
            self.code,
            ErrorCode::InvalidConfig | ErrorCode::InvalidPhone
        )
    }
}
