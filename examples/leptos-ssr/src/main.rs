//! The server: renders the page, serves the client's wasm from `{SSR_SITE_ROOT}/pkg`, and
//! forwards the widget's `/zapi/*` requests to the relay, so that the page stays same-origin.
//!
//! Environment: `ZAPI_RELAY_URL`, the relay's base URL (default `http://127.0.0.1:8787/zapi`);
//! `SSR_BIND` (default `127.0.0.1:3000`); `SSR_SITE_ROOT`, the folder that holds `pkg/` with
//! wasm-bindgen's output (default `target/site-ssr`).

mod relay_proxy;

use std::process::ExitCode;

use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use relay_proxy::Relay;
use zapi_connect_ssr_example::{shell, OUTPUT_NAME, RELAY_PATH};

/// The whole app, without a socket.
pub fn app(options: LeptosOptions, relay: Relay) -> Router {
    let pkg_route = leptos_axum::site_pkg_dir_service_route_path(&options);
    let pkg_files = leptos_axum::site_pkg_dir_service(&options);
    Router::new()
        .route(
            "/",
            get(leptos_axum::render_app_to_stream(move || {
                shell(options.clone())
            })),
        )
        .route_service(&pkg_route, pkg_files)
        .nest(RELAY_PATH, relay_proxy::routes(relay))
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zapi-connect-ssr-example: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    // Rendering runs Leptos tasks; leptos_axum's route-list helpers would start this executor,
    // a plain handler must do it itself.
    any_spawner::Executor::init_tokio().map_err(|e| format!("Leptos executor: {e}"))?;
    let relay_url = env_or("ZAPI_RELAY_URL", "http://127.0.0.1:8787/zapi");
    let bind = env_or("SSR_BIND", "127.0.0.1:3000");
    let options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(env_or("SSR_SITE_ROOT", "target/site-ssr"))
        .site_pkg_dir("pkg")
        .build();
    let relay = Relay::new(&relay_url).map_err(|e| format!("relay client: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("bind {bind}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The line xtask waits for before it opens the page.
    println!("zapi-connect-ssr-example listening on http://{addr}");
    println!("  relay: {relay_url}");
    axum::serve(listener, app(options, relay))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
