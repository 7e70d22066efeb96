//! The relay refuses to start when `static_dir` would serve its own config file.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TICKET_SECRET: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4";
const TOKEN: &str = "token-static-5d41402a";

fn write_config(file: &Path, static_dir: &str) {
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        file,
        format!(
            "bind = \"127.0.0.1:0\"\nstatic_dir = \"{static_dir}\"\n\n\
             [instances.shop]\nid = \"instance-static\"\ntoken = \"{TOKEN}\"\n\n\
             [auth]\nmode = \"ticket\"\nticket_secret = \"{TICKET_SECRET}\"\n"
        ),
    )
    .unwrap();
}

/// Runs the relay and waits up to 10 s for it to exit; one that is still running (it started
/// serving) is killed and reported.
fn run(dir: &Path, config: &str, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zapi-relay"))
        .current_dir(dir)
        .args(["--config", config])
        .args(args)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "zapi-relay {args:?} with {config} kept running: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

// Regression: `static_dir = "."` (or any folder holding the config) served the config file,
// instance tokens and ticket secret included, to anyone who asked for /relay.toml.
#[test]
fn a_static_dir_that_holds_the_config_file_is_refused() {
    let dir = std::env::temp_dir().join(format!("zapi-relay-static-{}", std::process::id()));
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("assets")).unwrap();

    for (config, static_dir) in [
        ("site/relay.toml", "site"),
        ("site/relay.toml", "."),
        ("site/assets/relay.toml", "site/assets/../"),
        ("relay.toml", "."),
    ] {
        write_config(&dir.join(config), static_dir);
        for args in [&[][..], &["mint", "--alias", "shop"]] {
            let out = run(&dir, config, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{config} in {static_dir}: {stderr}"
            );
            assert!(
                stderr.contains("static_dir is invalid: holds the config file"),
                "{stderr}"
            );
            assert!(!stderr.contains(TOKEN) && !stderr.contains(TICKET_SECRET));
            assert!(out.stdout.is_empty(), "nothing started");
        }
        std::fs::remove_file(dir.join(config)).unwrap();
    }

    write_config(&dir.join("relay.toml"), "site");
    let out = run(&dir, "relay.toml", &["mint", "--alias", "shop"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
