use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use zapi_relay::RelayConfig;

const DEFAULT_BIND: &str = "127.0.0.1:8787";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let config = match RelayConfig::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("zapi-relay: {error}");
            eprintln!("zapi-relay: set ZAPI_INSTANCE_ID and ZAPI_TOKEN (and ZAPI_CLIENT_TOKEN if your account has one)");
            return ExitCode::from(2);
        }
    };
    let bind = std::env::var("RELAY_BIND")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());

    match serve(config, &bind).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zapi-relay: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: RelayConfig, bind: &str) -> std::io::Result<()> {
    tracing::info!(
        upstream = %config.upstream,
        base_path = %config.normalized_base_path(),
        static_dir = ?config.static_dir,
        client_token = config.client_token.is_some(),
        rate_limit_per_minute = ?config.rate_limit_per_minute,
        "starting"
    );
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("zapi-relay listening on http://{}", listener.local_addr()?);
    let app = zapi_relay::app(config).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(zapi_relay::shutdown_signal())
        .await?;
    tracing::info!("zapi-relay stopped");
    Ok(())
}
