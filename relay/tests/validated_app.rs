//! Why `zapi_relay::app()` takes a [`ValidConfig`] only: a ticket check built without a secret
//! would verify against an empty HMAC key, and the JWT library accepts one.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use zapi_relay::{AuthMode, ConfigError, RelayConfig, TicketClaims};

#[test]
fn jsonwebtoken_signs_and_verifies_with_an_empty_key() {
    let ticket = zapi_relay::mint_ticket("", "default", None, Duration::from_secs(60)).unwrap();
    let verified = jsonwebtoken::decode::<TicketClaims>(
        &ticket,
        &DecodingKey::from_secret(b""),
        &Validation::new(Algorithm::HS256),
    );
    assert_eq!(verified.unwrap().claims.alias, "default");
}

#[test]
fn a_ticket_relay_without_a_secret_cannot_be_built() {
    let mut config = RelayConfig::new("instance", "token");
    config.auth.mode = AuthMode::Ticket;
    assert_eq!(
        config.validate().unwrap_err(),
        ConfigError::Missing("auth.ticket_secret")
    );
}
