// The Node recipe's own checks, beyond the contract suite: what it does with its settings.
// Each test starts relay.mjs as a real process, in front of a recording upstream when it needs one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./relay.mjs", import.meta.url));
const base = { ZAPI_INSTANCE_ID: "instance-1", ZAPI_TOKEN: "token-1", RELAY_BIND: "127.0.0.1:0" };

/** Runs the relay until it prints its address (or exits); returns its output and process. */
async function start(env) {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const listening = new Promise((resolve) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = stdout.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
  });
  const exited = once(child, "exit").then(([code]) => ({ code }));
  const first = await Promise.race([listening, exited]);
  return { child, url: typeof first === "string" ? first : null, code: first.code, stderr: () => stderr };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

test("an unparsable upstream timeout stops the relay at startup, naming the variable", async () => {
  for (const value of ["10s", "-1", "1e4", "0", "99999999"]) {
    const relay = await start({ ...base, RELAY_UPSTREAM_TIMEOUT_MS: value });
    await stop(relay.child);
    assert.equal(relay.code, 2, `RELAY_UPSTREAM_TIMEOUT_MS=${value} was accepted`);
    assert.match(relay.stderr(), /RELAY_UPSTREAM_TIMEOUT_MS must be a whole number of milliseconds/);
  }
});

test("every bad setting is refused at startup, and a secret's value is never shown", async () => {
  const secret = "s3cret\u00a0value";
  const relay = await start({
    ZAPI_INSTANCE_ID: "instance-1",
    ZAPI_TOKEN: secret,
    ZAPI_CLIENT_TOKEN: "client token with spaces",
    ZAPI_UPSTREAM: "https://user:pass@api.z-api.io",
    RELAY_BIND: "nowhere",
    RELAY_BASE_PATH: "/zapi?x",
    RELAY_RATE_LIMIT_PER_MIN: "lots",
    RELAY_RATE_LIMIT_BURST: "0",
    RELAY_ALLOWED_HOSTS: "app.example.com, http://app.example.com/",
  });
  await stop(relay.child);
  assert.equal(relay.code, 2);
  const shown = relay.stderr();
  for (const name of ["ZAPI_TOKEN", "ZAPI_CLIENT_TOKEN", "ZAPI_UPSTREAM", "RELAY_BIND", "RELAY_BASE_PATH", "RELAY_RATE_LIMIT_PER_MIN", "RELAY_RATE_LIMIT_BURST", "RELAY_ALLOWED_HOSTS"]) {
    assert.match(shown, new RegExp(`${name} `), `${name} not named`);
  }
  for (const hidden of ["s3cret", "client token", "pass@"]) assert.ok(!shown.includes(hidden), `${hidden} shown`);
});

test("the instance id and token are encoded into the upstream path", async () => {
  const seen = [];
  const upstream = createServer((req, res) => {
    seen.push(req.url);
    res.writeHead(200, { "content-type": "application/json" }).end('{"connected":false}');
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  const relay = await start({
    ...base,
    ZAPI_UPSTREAM: `http://127.0.0.1:${upstream.address().port}`,
    ZAPI_INSTANCE_ID: "id/../x",
    ZAPI_TOKEN: "to?ken#1%",
  });
  try {
    assert.ok(relay.url, relay.stderr());
    const response = await fetch(`${relay.url}/zapi/status`, { headers: { "x-zapi-connect": "1" } });
    assert.equal(response.status, 200);
    assert.deepEqual(seen, ["/instances/id%2F..%2Fx/token/to%3Fken%231%25/status"]);
  } finally {
    await stop(relay.child);
    upstream.close();
  }
});

test("a whole instance URL given as the upstream is refused without showing it", async () => {
  for (const upstream of ["https://api.z-api.io/instances/instance-1/token/t0ken-in-url", "ftp://t0ken-in-url", "not a URL t0ken-in-url"]) {
    const relay = await start({ ...base, ZAPI_UPSTREAM: upstream });
    await stop(relay.child);
    assert.equal(relay.code, 2, `${upstream} was accepted`);
    assert.match(relay.stderr(), /ZAPI_UPSTREAM must be Z-API's base URL/);
    assert.ok(!relay.stderr().includes("t0ken-in-url"), relay.stderr());
  }
});

/** A Z-API stand-in that records each request's method and path and answers `{"value":true}`. */
async function recordingUpstream() {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "application/json" }).end('{"value":true}');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { seen, url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const widget = { "x-zapi-connect": "1" };

test("disconnect is 404 and calls nothing unless RELAY_ALLOW_DISCONNECT is true", async () => {
  const upstream = await recordingUpstream();
  const relay = await start({ ...base, ZAPI_UPSTREAM: upstream.url });
  try {
    assert.ok(relay.url, relay.stderr());
    for (const method of ["POST", "GET", "PUT"]) {
      const response = await fetch(`${relay.url}/zapi/disconnect`, { method, headers: widget });
      assert.equal(response.status, 404, method);
      assert.equal((await response.json()).code, "not_found");
    }
    assert.deepEqual(upstream.seen, []);
  } finally {
    await stop(relay.child);
    upstream.close();
  }
});

test("with RELAY_ALLOW_DISCONNECT=true, a POST from the widget unlinks, as one GET to Z-API", async () => {
  const upstream = await recordingUpstream();
  const relay = await start({ ...base, ZAPI_UPSTREAM: upstream.url, RELAY_ALLOW_DISCONNECT: "true" });
  try {
    assert.ok(relay.url, relay.stderr());
    const link = await fetch(`${relay.url}/zapi/disconnect`, { headers: widget });
    assert.equal(link.status, 405);
    assert.equal((await link.json()).code, "method_not_allowed");
    // A form on another site: the browser marks it, or (an older browser) it lacks the widget's header.
    const form = { "content-type": "application/x-www-form-urlencoded" };
    for (const headers of [{ ...form, "sec-fetch-site": "cross-site", origin: "https://evil.example" }, form]) {
      const forged = await fetch(`${relay.url}/zapi/disconnect`, { method: "POST", headers, body: "confirm=yes" });
      assert.equal(forged.status, 403);
      assert.equal((await forged.json()).code, "cross_site_request");
    }
    assert.deepEqual(upstream.seen, []);

    const response = await fetch(`${relay.url}/zapi/disconnect`, { method: "POST", headers: widget });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { value: true });
    assert.deepEqual(upstream.seen, ["GET /instances/instance-1/token/token-1/disconnect"]);
  } finally {
    await stop(relay.child);
    upstream.close();
  }
});

test("RELAY_ALLOW_DISCONNECT must be true or false", async () => {
  const relay = await start({ ...base, RELAY_ALLOW_DISCONNECT: "sometimes" });
  await stop(relay.child);
  assert.equal(relay.code, 2);
  assert.match(relay.stderr(), /RELAY_ALLOW_DISCONNECT must be true or false/);
});
