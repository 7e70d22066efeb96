use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use zapi_relay::{ConfigError, RelayConfig, ValidConfig, ENV_VARS};

/// Scrapers are few; the metrics listener needs no more connections than this.
const METRICS_MAX_CONNECTIONS: usize = 16;

/// The relay between the <zapi-connect> widget and Z-API.
#[derive(Parser)]
#[command(version, after_long_help = environment_help())]
struct Cli {
    /// TOML configuration (see relay/relay.example.toml); environment variables override it.
    /// Default: $RELAY_CONFIG; without either, the environment alone configures one instance.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the relay (the default).
    Serve,
    /// Print a ticket for an instance alias, signed with the configured secret.
    Mint {
        /// The instance alias the ticket opens.
        #[arg(long)]
        alias: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 600)]
        ttl: u64,
        /// The user the ticket is for (`sub`); tickets are rate-limited per alias and subject.
        #[arg(long)]
        sub: Option<String>,
    },
    /// Z-API's connection webhooks.
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
    },
}

#[derive(Subcommand)]
enum WebhooksAction {
    /// Point both connection webhooks of every alias's instance at this relay
    /// ({public_url}{base}/webhooks/{secret}).
    Register,
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = cli.config.clone().or_else(|| {
        std::env::var_os("RELAY_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let config = match &file {
        Some(file) => RelayConfig::load(file),
        None => RelayConfig::from_env(),
    };
    let config = match config {
        Ok(config) => config,
        Err(error) => {
            eprintln!("zapi-relay: {error}");
            if matches!(
                error,
                ConfigError::Missing("ZAPI_INSTANCE_ID" | "ZAPI_TOKEN")
            ) {
                eprintln!("zapi-relay: set ZAPI_INSTANCE_ID and ZAPI_TOKEN (and ZAPI_CLIENT_TOKEN if your account has one), or pass --config FILE");
            }
            return ExitCode::from(2);
        }
    };

    match cli.command.unwrap_or(Command::Serve) {
        Command::Mint { alias, ttl, sub } => mint(&config, &alias, ttl, sub.as_deref()),
        Command::Webhooks {
            action: WebhooksAction::Register,
        } => register(&config).await,
        Command::Serve => {
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_env_filter(
                    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
                )
                .init();
            match serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("zapi-relay: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `--help` lists the variables the relay reads.
fn environment_help() -> String {
    let width = ENV_VARS.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut help = "Environment (overrides the file; empty counts as unset):\n".to_owned();
    for env_var in ENV_VARS {
        help.push_str(&format!("  {:width$}  {}\n", env_var.name, env_var.meaning));
    }
    help
}

fn mint(config: &RelayConfig, alias: &str, ttl: u64, sub: Option<&str>) -> ExitCode {
    let Some(secret) = config.auth.ticket_secret.as_deref() else {
        eprintln!("zapi-relay: no ticket secret (set [auth] ticket_secret or RELAY_TICKET_SECRET)");
        return ExitCode::from(2);
    };
    if !config.instances.contains_key(alias) {
        let known: Vec<&str> = config.instances.keys().map(String::as_str).collect();
        eprintln!("zapi-relay: no instance alias {alias:?} (configured: {known:?})");
        return ExitCode::from(2);
    }
    if ttl == 0 || ttl > config.auth.max_ticket_ttl.as_secs() {
        eprintln!(
            "zapi-relay: --ttl must be 1 to {} seconds (max_ticket_ttl_secs)",
            config.auth.max_ticket_ttl.as_secs()
        );
        return ExitCode::from(2);
    }
    match zapi_relay::mint_ticket(secret, alias, sub, Duration::from_secs(ttl)) {
        Ok(ticket) => {
            println!("{ticket}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("zapi-relay: could not sign the ticket: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn register(config: &ValidConfig) -> ExitCode {
    let registrations = match zapi_relay::register_webhooks(config).await {
        Ok(registrations) => registrations,
        Err(error) => {
            eprintln!("zapi-relay: {error}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for registration in registrations {
        match registration.result {
            Ok(()) => println!("{}: ok", registration.alias),
            Err(reason) => {
                failed = true;
                println!("{}: failed ({reason})", registration.alias);
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn serve(config: ValidConfig) -> std::io::Result<()> {
    tracing::info!(
        upstream = %config.upstream,
        base_path = %config.normalized_base_path(),
        static_dir = ?config.static_dir,
        client_token = config.client_token.is_some(),
        aliases = ?config.instances.keys().collect::<Vec<_>>(),
        auth = ?config.auth.mode,
        cors_origins = ?config.cors.allowed_origins,
        rate_limit = ?config.rate_limit,
        trusted_proxies = ?config.trusted_proxies,
        connections = ?config.connections,
        allow_disconnect = config.allow_disconnect,
        metrics = ?config.metrics,
        webhooks = ?config.webhooks,
        redis = ?config.redis,
        "starting"
    );
    // Both listeners are bound before the relay says it listens, so that the line means ready.
    let metrics = zapi_relay::Metrics::new();
    let metrics_listener = match &config.metrics.bind {
        Some(bind) => {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            println!(
                "zapi-relay metrics on {}",
                zapi_relay::metrics::url(listener.local_addr()?)
            );
            Some(listener)
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&config.bind).await?;
    let local = listener.local_addr()?;
    println!("zapi-relay listening on http://{local}");
    // A port chosen at bind time is the one the default allowed hosts must name.
    let config = if config.bind.ends_with(":0") {
        let mut bound = config.into_inner();
        bound.bind = local.to_string();
        bound
            .validate()
            .map_err(|error| std::io::Error::other(error.to_string()))?
    } else {
        config
    };
    let limits = config.connections;
    let (stop, stopping) = tokio::sync::watch::channel(());
    let signal = async move {
        zapi_relay::shutdown_signal().await;
        let _ = stop.send(());
    };
    let stopped = |mut stopping: tokio::sync::watch::Receiver<()>| async move {
        let _ = stopping.changed().await;
    };
    let metrics_public = config.metrics.public;
    let metrics_served = async {
        if let Some(listener) = metrics_listener {
            let bound = listener.local_addr()?.to_string();
            let router = metrics.router(&bound, metrics_public);
            let limits = zapi_relay::ConnectionLimits {
                max_connections: METRICS_MAX_CONNECTIONS,
                ..limits
            };
            zapi_relay::serve::serve(listener, router, limits, stopped(stopping.clone())).await;
        }
        std::io::Result::Ok(())
    };
    let app = zapi_relay::app_with_metrics(config, &metrics);
    let relay_served = zapi_relay::serve::serve(listener, app, limits, stopped(stopping.clone()));
    let ((), (), metrics_served) = tokio::join!(signal, relay_served, metrics_served);
    metrics_served?;
    tracing::info!("zapi-relay stopped");
    Ok(())
}
