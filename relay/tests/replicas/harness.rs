//! Two relay replicas sharing a real `redis-server` of the test's own, nginx in front of them,
//! and the simulator they call; shared by the replica test binaries, each of which uses part of
//! it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use zapi_relay::{Metrics, RelayConfig};
use zapi_sim::{InstanceConfig, Sim, SimConfig};

use crate::common;
use crate::harness::*;

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
pub const NGINX: &str = "/usr/sbin/nginx";
/// A replica (re)connects within a few seconds; on a loaded machine each attempt can take its
/// whole connect timeout.
pub const REDIS_BOUND: Duration = Duration::from_secs(30);
pub const CLIENT_TOKEN: &str = "client-token-value-1234";

pub fn installed(program: &str) {
    assert!(
        Path::new(program).exists(),
        "{program} is missing: run `cargo xtask setup --test`, which installs what the relay's \
         replica tests need"
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A folder of the system's temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "zapi-relay-{name}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits until something accepts connections on the port.
pub async fn accepting(port: u16) {
    let deadline = Instant::now() + BOUND;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `redis-server` of the test's own, without persistence, on a port it can be started on
/// again.
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    process: Option<Child>,
    extra: Vec<String>,
    password: Option<String>,
}

impl RedisServer {
    pub async fn start() -> Self {
        Self::start_with_password(None).await
    }

    pub async fn start_with_password(password: Option<&str>) -> Self {
        installed(REDIS_SERVER);
        let mut redis = Self {
            port: free_port(),
            dir: TempDir::new("redis"),
            process: None,
            extra: password
                .map(|password| vec!["--requirepass".to_owned(), password.to_owned()])
                .unwrap_or_default(),
            password: password.map(str::to_owned),
        };
        // A port found free may be taken before redis-server binds it (the tests run in
        // parallel): then try another.
        for _ in 0..5 {
            if redis.try_start().await {
                return redis;
            }
            redis.port = free_port();
        }
        panic!("redis-server could not start on a free port");
    }

    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// Starts it again on the same port.
    pub async fn restart(&mut self) {
        assert!(
            self.try_start().await,
            "redis-server could not start again on {}: the port was taken meanwhile",
            self.port
        );
    }

    /// Whether the server started and is the one answering on the port.
    async fn try_start(&mut self) -> bool {
        assert!(self.process.is_none());
        let process = Command::new(REDIS_SERVER)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .args(&self.extra)
            .arg("--dir")
            .arg(&self.dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = process.id();
        self.process = Some(process);
        accepting(self.port).await;
        if self.answering_pid().await == Some(pid) {
            return true;
        }
        self.stop();
        false
    }

    /// The process id of the Redis answering on the port, if a Redis answers there.
    async fn answering_pid(&self) -> Option<u32> {
        let client = redis::Client::open(self.url()).ok()?;
        let mut connection = tokio::time::timeout(BOUND, client.get_multiplexed_async_connection())
            .await
            .ok()?
            .ok()?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut connection)
            .await
            .ok()?;
        info.lines()
            .find_map(|line| line.strip_prefix("process_id:"))
            .and_then(|pid| pid.trim().parse().ok())
    }

    /// Stops (or resumes) the process without closing its connections: a Redis that accepts
    /// and never answers, as behind a network partition.
    pub fn signal(&self, signal: &str) {
        let pid = self.process.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success());
    }

    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// nginx in front of the replicas, round robin, configured as for event streams.
pub struct Nginx {
    port: u16,
    process: Child,
    _dir: TempDir,
}

impl Nginx {
    pub async fn start(replicas: &[&Relay]) -> Self {
        installed(NGINX);
        let dir = TempDir::new("nginx");
        let port = free_port();
        let servers: String = replicas
            .iter()
            .map(|relay| format!("        server {};\n", relay.addr))
            .collect();
        let prefix = dir.0.display();
        let conf = format!(
            r#"
# One process, so that killing it leaves no worker behind.
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream replicas {{
{servers}        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout 1h;
            # nginx reads the relay's X-Accel-Buffering itself; the harness checks it too.
            proxy_pass_header X-Accel-Buffering;
        }}
    }}
}}
"#
        );
        let conf_path = dir.0.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let process = Command::new(NGINX)
            .arg("-p")
            .arg(&dir.0)
            .arg("-e")
            .arg(dir.0.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        accepting(port).await;
        Self {
            port,
            process,
            _dir: dir,
        }
    }

    /// The nginx address as a relay, for the harness's requests.
    pub fn as_relay(&self) -> Relay {
        Relay {
            addr: SocketAddr::from(([127, 0, 0, 1], self.port)),
            http: reqwest::Client::new(),
            stop: None,
            served: tokio::spawn(async {}),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The simulator both replicas call, with both aliases' instances.
pub fn sim() -> SocketAddr {
    common::serve_sim_elsewhere(Sim::new(SimConfig {
        instances: vec![
            InstanceConfig::new("id-a", "token-a"),
            InstanceConfig::new("id-b", "token-b"),
        ],
        client_token: Some(CLIENT_TOKEN.to_owned()),
        allowed_ips: None,
    }))
}

pub fn replica_config(redis: &RedisServer, sim: SocketAddr) -> RelayConfig {
    let mut config = config();
    config.upstream = format!("http://{sim}").parse().unwrap();
    config.redis.url = Some(redis.url().parse().unwrap());
    // The replicas answer their own addresses and nginx's, whatever port each got.
    config.allowed_hosts = vec!["*".to_owned()];
    config
}

pub struct Replica {
    pub relay: Relay,
    pub metrics: Metrics,
}

pub async fn start_replica(config: RelayConfig) -> Replica {
    let metrics = Metrics::new();
    Replica {
        relay: start_counting(config, &metrics).await,
        metrics,
    }
}

impl Replica {
    pub fn redis_up(&self) -> Option<bool> {
        let text = self.metrics.encode();
        let line = text
            .lines()
            .find(|line| line.starts_with("zapi_relay_redis_up "))?;
        Some(line.ends_with(" 1"))
    }

    pub async fn wait_redis_up(&self, up: bool) {
        let deadline = Instant::now() + REDIS_BOUND;
        while self.redis_up() != Some(up) {
            assert!(Instant::now() < deadline, "zapi_relay_redis_up never {up}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Requests this replica answered on a route, by status.
    pub fn answered(&self, route: &str, status: u16) -> u64 {
        let prefix = format!("zapi_relay_requests_total{{route=\"{route}\",status=\"{status}\"}} ");
        self.metrics
            .encode()
            .lines()
            .find_map(|line| line.strip_prefix(&prefix)?.parse().ok())
            .unwrap_or(0)
    }
}

pub async fn replicas(
    redis: &RedisServer,
    adjust: impl Fn(&mut RelayConfig),
) -> (Replica, Replica) {
    let sim = sim();
    let mut config = replica_config(redis, sim);
    adjust(&mut config);
    let a = start_replica(config.clone()).await;
    let b = start_replica(config).await;
    a.wait_redis_up(true).await;
    b.wait_redis_up(true).await;
    (a, b)
}

/// The id of an event frame.
pub fn id_of(frame: &str) -> u64 {
    frame
        .lines()
        .find_map(|line| line.strip_prefix("id: "))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {frame:?}"))
}

pub fn kind_of(frame: &str) -> &str {
    frame
        .lines()
        .find_map(|line| line.strip_prefix("event: "))
        .unwrap_or_else(|| panic!("no event in {frame:?}"))
}

pub async fn get_status(relay: &Relay, alias: &str) -> StatusCode {
    tokio::time::timeout(
        BOUND,
        relay
            .http
            .get(relay.url("/zapi/status"))
            .header("Authorization", format!("Bearer {}", ticket(alias)))
            .send(),
    )
    .await
    .expect("/status answers within the bound")
    .unwrap()
    .status()
}

pub async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
