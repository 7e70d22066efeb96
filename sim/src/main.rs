use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};

use axum::serve::ListenerExt;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use zapi_sim::{InstanceConfig, Sim, SimConfig};

/// A stand-in for Z-API's connection endpoints, for demos and tests.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "SIM_BIND", default_value = "127.0.0.1:8790")]
    bind: String,
    /// A simulated instance, ID:TOKEN; repeatable. Default: demo-instance:demo-token.
    #[arg(long = "instance", value_name = "ID:TOKEN")]
    instances: Vec<InstanceConfig>,
    /// The Client-Token every call must carry.
    #[arg(long, env = "SIM_CLIENT_TOKEN", default_value = "demo-client-token")]
    client_token: String,
    /// Do not require a Client-Token (the account's security token is not activated).
    #[arg(long)]
    no_client_token: bool,
    /// Only answer these caller IPs (Z-API's allow-list); repeatable. Default: everyone.
    #[arg(long = "allow-ip", value_name = "IP")]
    allowed_ips: Vec<IpAddr>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();

    let mut config = SimConfig::default();
    if !args.instances.is_empty() {
        config.instances = args.instances;
    }
    config.client_token = (!args.no_client_token).then_some(args.client_token);
    if !args.allowed_ips.is_empty() {
        config.allowed_ips = Some(args.allowed_ips);
    }
    for instance in &config.instances {
        tracing::info!(id = %instance.id, "simulating instance");
    }

    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    println!("zapi-sim listening on http://{}", listener.local_addr()?);
    let sim = Sim::new(config);
    let counted = sim.clone();
    let listener = listener.tap_io(move |_| counted.connection_accepted());
    axum::serve(
        listener,
        zapi_sim::app(sim).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(zapi_sim::shutdown_signal())
    .await?;
    tracing::info!("zapi-sim stopped");
    Ok(())
}
