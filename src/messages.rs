//! Every string the widget shows, in one place so that it can be translated later.

pub const LOADING: &str = "Checking the connection…";
pub const QR_TITLE: &str = "Link your WhatsApp";
pub const QR_STEPS: &str =
    "On your phone open WhatsApp › Settings › Linked devices › Link a device, then scan this code.";
pub const QR_ALT: &str = "QR code to link WhatsApp";
pub const REFRESHING: &str = "Getting a new code…";
pub const PAUSED_TITLE: &str = "The code has expired";
pub const PAUSED_TEXT: &str =
    "To avoid needless requests, no more codes are fetched until you ask.";
pub const NEW_CODE_BUTTON: &str = "Get new code";
pub const CONNECTED_TITLE: &str = "WhatsApp is connected";
pub const CONNECTED_TEXT: &str = "Your phone is linked. You can close this window.";
pub const ALREADY_CONNECTED_TEXT: &str = "This number is already linked; there is nothing to scan.";
pub const RESTORE_TITLE: &str = "The session needs to be restored";
pub const RESTORE_TEXT: &str =
    "A WhatsApp session exists but has dropped. Ask your administrator to restore the session; scanning a new code will not help.";
pub const CHECK_AGAIN_BUTTON: &str = "Check again";
pub const ERROR_TITLE: &str = "Something went wrong";
pub const RETRY_BUTTON: &str = "Try again";

pub const ERR_RELAY_UNREACHABLE: &str =
    "Could not reach the connection service. Check your internet connection and try again.";
pub const ERR_TIMEOUT: &str =
    "The connection service took too long to answer. Try again in a moment.";
pub const ERR_ACCESS_DENIED: &str =
    "This server is not allowed to use the WhatsApp instance. Ask your administrator to check the instance's security settings.";
pub const ERR_SUBSCRIPTION_EXPIRED: &str =
    "The WhatsApp instance's subscription has expired. Ask your administrator to renew it.";
pub const ERR_MALFORMED: &str =
    "The connection service sent an answer that could not be read. Try again; if it keeps happening, contact your administrator.";
pub const ERR_RATE_LIMITED: &str = "Too many requests. Wait a moment, then try again.";
pub const ERR_UPSTREAM: &str =
    "The WhatsApp service (Z-API) reported a problem. Try again in a moment.";
pub const ERR_RELAY: &str =
    "The connection service answered with an error. Check the widget's relay address or contact your administrator.";
pub const ERR_INVALID_CONFIG: &str =
    "The widget has no relay address. Set its relay to your server's Z-API relay URL.";

pub const WARN_INTERVAL: &str =
    "zapi-connect: interval must be a whole number of seconds from 10 to 20; using 15.";
pub const WARN_QR_FORMAT: &str =
    "zapi-connect: qr-format must be \"svg\" or \"image\"; using \"svg\".";

/// "New code in 12 s", or "Code expires in 12 s" for the last code of a cycle.
pub fn countdown(secs: u32, last_code: bool) -> String {
    let mut text = String::from(if last_code {
        "Code expires in "
    } else {
        "New code in "
    });
    push_u32(&mut text, secs);
    text.push_str(" s");
    text
}

/// "Too many requests. Wait 30 s, then try again."
pub fn rate_limited_for(secs: u32) -> String {
    let mut text = String::from("Too many requests. Wait ");
    push_u32(&mut text, secs);
    text.push_str(" s, then try again.");
    text
}

/// Decimal digits without the formatting machinery, which costs bundle size.
pub fn push_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        out.push(d as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 15, 120, u32::MAX] {
            let mut s = String::new();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn countdown_keeps_the_seconds_in_the_text() {
        assert_eq!(countdown(12, false), "New code in 12 s");
        assert_eq!(countdown(3, true), "Code expires in 3 s");
        assert_eq!(
            rate_limited_for(30),
            "Too many requests. Wait 30 s, then try again."
        );
    }
}
