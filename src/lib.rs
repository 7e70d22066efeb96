//! zapi-connect
