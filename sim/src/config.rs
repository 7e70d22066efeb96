use std::net::IpAddr;
use std::str::FromStr;

/// One simulated Z-API instance: the two values that appear in its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceConfig {
    /// The instance id (`/instances/{id}/...`).
    pub id: String,
    /// The instance token (`.../token/{token}/...`).
    pub token: String,
}

impl InstanceConfig {
    pub fn new(id: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            token: token.into(),
        }
    }
}

/// Parses `ID:TOKEN`, the form the `--instance` flag takes.
impl FromStr for InstanceConfig {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((id, token)) if !id.is_empty() && !token.is_empty() => Ok(Self::new(id, token)),
            _ => Err(format!("expected ID:TOKEN, got {s:?}")),
        }
    }
}

/// What the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// The instances that exist; any other id answers 404 `Instance not found`.
    pub instances: Vec<InstanceConfig>,
    /// The account's `Client-Token`; `None` means the security token is not activated, so the
    /// header is not required.
    pub client_token: Option<String>,
    /// Z-API's optional IP allow-list. `None` allows everyone. Checking it needs the peer
    /// address, so serve the app with `into_make_service_with_connect_info::<SocketAddr>()`.
    pub allowed_ips: Option<Vec<IpAddr>>,
}

impl Default for SimConfig {
    /// One instance `demo-instance` / `demo-token`, client token `demo-client-token`.
    fn default() -> Self {
        Self {
            instances: vec![InstanceConfig::new("demo-instance", "demo-token")],
            client_token: Some("demo-client-token".to_owned()),
            allowed_ips: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_flag_parses_id_and_token() {
        let parsed: InstanceConfig = "abc:def:ghi".parse().unwrap();
        assert_eq!(parsed, InstanceConfig::new("abc", "def:ghi"));
        assert!("abc".parse::<InstanceConfig>().is_err());
        assert!(":tok".parse::<InstanceConfig>().is_err());
        assert!("id:".parse::<InstanceConfig>().is_err());
    }
}
