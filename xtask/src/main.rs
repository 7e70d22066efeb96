//! Project automation: `cargo xtask demo`, `cargo xtask test`, `cargo xtask bundle`.

// The public API's one table, read here to write the files that describe it.
#[path = "../../src/api.rs"]
#[allow(dead_code)]
mod api;
mod api_files;
mod asset_urls;
mod bench;
mod bundle;
mod cmd;
mod consumers;
mod contract;
mod engines;
mod mutants;
mod services;
mod setup;
mod short_names;
mod site;
mod ssr_example;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  demo     install what is missing, build the npm bundle, start simulator + relay, serve the demo
  test     install what is missing, then fmt, clippy, native, browser and end-to-end tests
  api      write the manifest, index.d.ts declarations, npm/src/api.js and README tables from
           src/api.rs (--check: only compare, as `test` does first)
  e2e      only the browser specs (optionally filtered: cargo xtask e2e qr-flow), the relay contract suite
           and, unfiltered, the core flows in Firefox and WebKit and the consumer apps
  engines  only Firefox ESR and WebKitGTK: the core flows through WebDriver (e2e/webdriver) and
           the wasm-bindgen browser tests in Firefox
  contract  only the relay contract suite against zapi-relay and the Node and nginx recipes
           (or those named: cargo xtask contract nginx node-relay), their logs scanned for secrets
  consumers  only the packed package in plain Node, a Vite app and a Next.js app (e2e/consumers)
  bundle   build the npm package (npm/index.js, npm/pkg) and report its size
  bench    measure the widget and the relay against their baselines, write BENCHMARKS.md (or only
           the sections named: cargo xtask bench relay; the others keep their figures)
  mutants  mutation testing (cargo-mutants) of the widget's pure modules and the relay's parsers
           and validators (or one of them: cargo xtask mutants widget, cargo xtask mutants relay);
           every mutant must be caught. The relay's run edits its sources in place meanwhile
  setup    install the build tools only (add --test for the browsers and their drivers, nginx,
           redis-server, trunk, Playwright)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(),
        Some("e2e") => setup::build_tools()
            .and_then(|()| setup::test_tools())
            .and_then(|()| bundle::build())
            .and_then(|bundle| browser_and_contract_tests(&bundle)),
        Some("engines") => setup::build_tools()
            .and_then(|()| setup::test_tools())
            .and_then(|()| engines::wasm_tests_in_firefox())
            .and_then(|()| bundle::build())
            .and_then(|bundle| engine_tests(&bundle)),
        Some("contract") => setup::test_tools().and_then(|()| contract_tests()),
        Some("consumers") => setup::build_tools()
            .and_then(|()| setup::test_tools())
            .and_then(|()| bundle::build())
            .and_then(|bundle| consumer_tests(&bundle)),
        Some("api") => match args.get(1).map(String::as_str) {
            Some("--check") => api_files::check(cmd::root()),
            _ => api_files::write(cmd::root()),
        },
        Some("bench") => bench::run(&args[1..]),
        Some("mutants") => mutants::run(args.get(1).map(String::as_str)),
        Some("bundle") => setup::build_tools().and_then(|()| bundle::build().map(|_| ())),
        Some("setup") => {
            setup::build_tools().and_then(|()| match args.get(1).map(String::as_str) {
                Some("--test") => setup::test_tools(),
                _ => Ok(()),
            })
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> cmd::Result {
    setup::build_tools()?;
    let bundle = bundle::build()?;
    let site = site::assemble(&bundle)?;
    cmd::cargo(&["build", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    let stack = services::Stack::start(&site, services::Upstream::from_env(), "127.0.0.1:8787")?;
    println!();
    println!("  zapi-connect demo: {}/", stack.relay_url);
    match &stack.simulator_url {
        Some(sim) => println!("  simulator (Z-API stand-in): {sim}"),
        None => println!("  upstream: real Z-API (ZAPI_INSTANCE_ID is set)"),
    }
    println!("  Ctrl-C stops everything.");
    println!();
    stack.wait();
    Ok(())
}

fn test() -> cmd::Result {
    api_files::check(cmd::root())?;
    setup::build_tools()?;
    setup::test_tools()?;
    cmd::cargo(&["fmt", "--all", "--check"])?;
    cmd::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cmd::cargo(&[
        "clippy",
        "-p",
        "zapi-connect",
        "-p",
        "wasm-streams",
        "--features",
        "zapi-connect/element",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cmd::cargo(&["test", "--workspace"])?;
    // The crate as crates.io would get it, built from the packed files alone.
    cmd::cargo(&[
        "publish",
        "--dry-run",
        "--allow-dirty",
        "-p",
        "zapi-connect",
    ])?;
    engines::wasm_tests(("CHROMEDRIVER", setup::CHROMEDRIVER))?;
    engines::wasm_tests_in_firefox()?;
    let bundle = bundle::build()?;
    bundle.check_budget()?;
    cmd::run_in(
        "trunk",
        &["build", "--release"],
        cmd::root(),
        &[("PATH", &setup::path_with_node_tools())],
    )?;
    browser_and_contract_tests(&bundle)?;
    println!("xtask: every check passed");
    Ok(())
}

/// The Playwright specs against the packed bundle, then (unless the specs were filtered) the core
/// flows in Firefox and WebKit, the relay contract suite, then (unless filtered) the consumer apps.
fn browser_and_contract_tests(bundle: &bundle::Bundle) -> cmd::Result {
    let site = site::assemble(bundle)?;
    cmd::cargo(&["build", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    let mut stack = services::Stack::start(&site, services::Upstream::Simulator, "127.0.0.1:0")?;
    let sim = stack.simulator_url.clone().unwrap_or_default();
    let mut playwright = vec!["playwright", "test"];
    let filter: Vec<String> = std::env::args().skip(2).collect();
    playwright.extend(filter.iter().map(String::as_str));
    let ssr_example = ssr_example::serve_for(&filter, &stack.relay_url)?;
    // Minted after the slow example build, so that it is fresh when the specs start.
    let (ticket_relay, ticket) = stack.start_ticket_relay()?;
    let ssr_url = ssr_example
        .as_ref()
        .map_or("", |server| server.url.as_str());
    cmd::run_in(
        "npx",
        &playwright,
        &cmd::root().join("e2e"),
        &[
            ("ZAPI_E2E_BASE_URL", stack.relay_url.as_str()),
            ("ZAPI_E2E_SIM_URL", sim.as_str()),
            ("ZAPI_E2E_TICKET_RELAY_URL", ticket_relay.as_str()),
            ("ZAPI_E2E_TICKET", ticket.as_str()),
            ("ZAPI_E2E_SSR_URL", ssr_url),
        ],
    )?;
    check_metrics_moved(&stack, filter.is_empty())?;
    if filter.is_empty() {
        engines::run(&site, &mut stack)?;
    }
    contract::run(&stack)?;
    if filter.is_empty() {
        consumers::run(bundle, &site, &stack)?;
    }
    Ok(())
}

/// After the specs, one scrape of the relay's `/metrics`: the widgets' requests were counted, Z-API's
/// answer times measured, and no credential of the demo instance shows; after every spec
/// (`all_specs`), the simulated phones' connection callbacks were accepted too.
fn check_metrics_moved(stack: &services::Stack, all_specs: bool) -> cmd::Result {
    let text = stack.scrape_metrics()?;
    let total = |prefix: &str, with: &str| -> f64 {
        text.lines()
            .filter(|line| line.starts_with(prefix) && line.contains(with))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let answered = total("zapi_relay_requests_total{", "status=\"200\"");
    let upstream_calls = total("zapi_relay_upstream_request_duration_seconds_count{", "");
    let webhooks = total("zapi_relay_webhooks_total{", "outcome=\"accepted\"");
    if answered < 1.0 || upstream_calls < 1.0 || (all_specs && webhooks < 1.0) {
        return Err(format!(
            "/metrics did not move during the specs ({answered} answers with 200, \
             {upstream_calls} Z-API calls, {webhooks} webhooks accepted):\n{text}"
        ));
    }
    for secret in [
        services::DEMO_INSTANCE,
        services::DEMO_TOKEN,
        services::DEMO_CLIENT_TOKEN,
        services::TEST_WEBHOOK_SECRET,
    ] {
        if text.contains(secret) {
            return Err(format!("/metrics shows {secret}"));
        }
    }
    println!(
        "xtask: /metrics counted {answered} answers with 200, {upstream_calls} Z-API calls and \
         {webhooks} webhooks accepted"
    );
    Ok(())
}

/// Only the core flows in Firefox and WebKit (`cargo xtask engines`), with a stack of their own.
fn engine_tests(bundle: &bundle::Bundle) -> cmd::Result {
    let site = site::assemble(bundle)?;
    cmd::cargo(&["build", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    let mut stack = services::Stack::start(&site, services::Upstream::Simulator, "127.0.0.1:0")?;
    engines::run(&site, &mut stack)
}

/// Only the relay contract suite (`cargo xtask contract`), with a stack that serves no site.
fn contract_tests() -> cmd::Result {
    let site = cmd::target_dir().join("contract-site");
    std::fs::create_dir_all(&site).map_err(|e| format!("{}: {e}", site.display()))?;
    cmd::cargo(&["build", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    let stack = services::Stack::start(&site, services::Upstream::Simulator, "127.0.0.1:0")?;
    let names: Vec<String> = std::env::args().skip(2).collect();
    contract::run_only(&stack, &names)
}

/// Only the consumer apps (`cargo xtask consumers`), with a stack of their own.
fn consumer_tests(bundle: &bundle::Bundle) -> cmd::Result {
    let site = site::assemble(bundle)?;
    cmd::cargo(&["build", "-p", "zapi-sim", "-p", "zapi-relay"])?;
    let stack = services::Stack::start(&site, services::Upstream::Simulator, "127.0.0.1:0")?;
    consumers::run(bundle, &site, &stack)
}
