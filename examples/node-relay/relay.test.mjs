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

const SECRET = "f3a91c7e5b2d4068a1c9e7f3b5d20486";
const pushed = { ...base, RELAY_WEBHOOK_SECRET: SECRET, ZAPI_UPSTREAM: "http://127.0.0.1:9", RELAY_RATE_LIMIT_PER_MIN: "0" };
/** Long enough that no heartbeat but the first comes during a test. */
const QUIET = { RELAY_HEARTBEAT_MS: "120000" };

/** An open event stream read frame by frame, each wait bounded so that a broken relay fails. */
async function openStream(url, headers = {}) {
  const controller = new AbortController();
  const response = await fetch(`${url}/zapi/events`, { headers: { ...widget, ...headers }, signal: controller.signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    response,
    /** The next frame without its blank line, or `null` once the stream ended. */
    async next() {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return frame;
        }
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no frame within 10 s")), 10_000).unref());
        const { done, value } = await Promise.race([reader.read(), timeout]);
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

function callback(type, instanceId = "instance-1") {
  return JSON.stringify({ type, instanceId, phone: "5511987654321", momment: 1780000000 });
}

async function postWebhook(url, body, secret = SECRET) {
  const response = await fetch(`${url}/zapi/webhooks/${secret}`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: response.status, body: await response.json().catch(() => null) };
}

test("a callback with the secret reaches the open streams, numbered, and Last-Event-ID replays what was missed", async () => {
  const relay = await start({ ...pushed, ...QUIET });
  try {
    assert.ok(relay.url, relay.stderr());
    const stream = await openStream(relay.url);
    assert.equal(stream.response.status, 200);
    assert.equal(stream.response.headers.get("content-type"), "text/event-stream");
    assert.equal(stream.response.headers.get("cache-control"), "no-store");
    assert.equal(stream.response.headers.get("x-accel-buffering"), "no");
    assert.equal(await stream.next(), ": heartbeat");

    assert.deepEqual(await postWebhook(relay.url, callback("ConnectedCallback")), { status: 200, body: { ok: true } });
    assert.equal(await stream.next(), "id: 1\nevent: connected\ndata: {}");
    assert.equal((await postWebhook(relay.url, callback("DisconnectedCallback"))).status, 200);
    assert.equal(await stream.next(), "id: 2\nevent: disconnected\ndata: {}");
    stream.close();

    const resumed = await openStream(relay.url, { "last-event-id": "1" });
    assert.equal(await resumed.next(), "id: 2\nevent: disconnected\ndata: {}");
    assert.equal(await resumed.next(), ": heartbeat");
    resumed.close();
    // The phone is masked in the log, and the secret never shows.
    await stop(relay.child);
    assert.ok(!relay.stderr().includes(SECRET));
  } finally {
    await stop(relay.child);
  }
});

test("a wrong secret, another instance, a non-JSON or a too big body is refused and publishes nothing", async () => {
  const relay = await start({ ...pushed, ...QUIET });
  try {
    assert.ok(relay.url, relay.stderr());
    const stream = await openStream(relay.url);
    assert.equal(await stream.next(), ": heartbeat");
    const almost = `${SECRET.slice(0, -1)}0`;
    for (const secret of [almost, `${SECRET}0`, SECRET.slice(0, 31), "x", "%E0%A4%A"]) {
      const refused = await postWebhook(relay.url, callback("ConnectedCallback"), secret);
      assert.deepEqual([refused.status, refused.body?.code], [404, "not_found"], secret);
    }
    // Other methods: 405 to the holder of the secret only.
    assert.equal((await fetch(`${relay.url}/zapi/webhooks/${SECRET}`)).status, 405);
    assert.equal((await fetch(`${relay.url}/zapi/webhooks/${almost}`)).status, 404);
    for (const instance of ["instance-2", "INSTANCE-1", " instance-1", ""]) {
      const refused = await postWebhook(relay.url, callback("ConnectedCallback", instance));
      assert.deepEqual([refused.status, refused.body?.code], [404, "not_found"], instance);
    }
    for (const bad of ["not json", "[]", "null", JSON.stringify({ type: "ConnectedCallback" }), callback("ReceivedCallback"), JSON.stringify({ type: "ConnectedCallback", instanceId: "instance-1", phone: 5511 })]) {
      const refused = await postWebhook(relay.url, bad);
      assert.deepEqual([refused.status, refused.body?.code], [400, "invalid_webhook"], bad);
    }
    const huge = JSON.stringify({ type: "ConnectedCallback", instanceId: "instance-1", padding: "A".repeat(17 * 1024) });
    const tooBig = await postWebhook(relay.url, huge);
    assert.deepEqual([tooBig.status, tooBig.body?.code], [413, "payload_too_large"]);

    // Had any of the above been published, this would not be id 1.
    assert.equal((await postWebhook(relay.url, callback("ConnectedCallback"))).status, 200);
    assert.equal(await stream.next(), "id: 1\nevent: connected\ndata: {}");
    stream.close();
  } finally {
    await stop(relay.child);
  }
});

test("streams over the address cap get 429 with Retry-After, and a closed stream frees its place", async () => {
  const relay = await start({ ...pushed, ...QUIET, RELAY_MAX_STREAMS_PER_ADDRESS: "1" });
  try {
    assert.ok(relay.url, relay.stderr());
    const first = await openStream(relay.url);
    assert.equal(await first.next(), ": heartbeat");
    const refused = await fetch(`${relay.url}/zapi/events`, { headers: widget });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "30");
    assert.equal((await refused.json()).code, "rate_limited");
    first.close();
    const deadline = Date.now() + 10_000;
    let again;
    for (;;) {
      again = await openStream(relay.url);
      if (again.response.status === 200 || Date.now() > deadline) break;
      await again.response.body.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(again.response.status, 200);
    again.close();
  } finally {
    await stop(relay.child);
  }
});

test("the stream checks the widget's header and the site, and heartbeats every RELAY_HEARTBEAT_MS", async () => {
  const relay = await start({ ...pushed, RELAY_HEARTBEAT_MS: "200" });
  try {
    assert.ok(relay.url, relay.stderr());
    for (const headers of [{}, { ...widget, "sec-fetch-site": "cross-site" }]) {
      const refused = await fetch(`${relay.url}/zapi/events`, { headers });
      assert.equal(refused.status, 403);
      assert.equal((await refused.json()).code, "cross_site_request");
    }
    const stream = await openStream(relay.url);
    for (let i = 0; i < 3; i += 1) assert.equal(await stream.next(), ": heartbeat");
    stream.close();
  } finally {
    await stop(relay.child);
  }
});

test("SIGTERM ends the open streams cleanly and the relay exits", async () => {
  const relay = await start({ ...pushed, ...QUIET });
  assert.ok(relay.url, relay.stderr());
  const stream = await openStream(relay.url);
  assert.equal(await stream.next(), ": heartbeat");
  const exited = once(relay.child, "exit");
  relay.child.kill("SIGTERM");
  assert.equal(await stream.next(), null);
  const [code] = await exited;
  assert.equal(code, 0);
});

test("without a webhook secret both routes are 404, and a weak secret stops the relay unshown", async () => {
  const relay = await start({ ...base, ZAPI_UPSTREAM: "http://127.0.0.1:9" });
  try {
    assert.ok(relay.url, relay.stderr());
    const events = await fetch(`${relay.url}/zapi/events`, { headers: widget });
    assert.deepEqual([events.status, (await events.json()).code], [404, "not_found"]);
    const webhook = await postWebhook(relay.url, callback("ConnectedCallback"), SECRET);
    assert.deepEqual([webhook.status, webhook.body?.code], [404, "not_found"]);
  } finally {
    await stop(relay.child);
  }
  for (const weak of ["short-secret-value", `${SECRET}/x`, `${SECRET} x`]) {
    const refused = await start({ ...base, RELAY_WEBHOOK_SECRET: weak });
    await stop(refused.child);
    assert.equal(refused.code, 2, weak);
    assert.match(refused.stderr(), /RELAY_WEBHOOK_SECRET must be/);
    assert.ok(!refused.stderr().includes(weak), refused.stderr());
  }
});
