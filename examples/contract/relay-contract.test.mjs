// One contract suite for every relay (docs/relay-contract.md): zapi-relay, the nginx recipe and
// the Node recipe each run it, in front of zapi-sim. `cargo xtask contract` starts three relays of
// each make and sets:
//   RELAY_URL               the relay's base, e.g. http://127.0.0.1:8787/zapi
//   RELAY_UPSTREAM_TIMEOUT_MS  how long that relay waits for Z-API
//   LIMITED_RELAY_URL       the same make with a small rate limit: LIMITED_RELAY_BURST calls at
//                           once, LIMITED_RELAY_PER_MIN a minute
//   REFUSED_RELAY_URL       the same make, with an upstream that refuses connections
//   RELAY_HEADERS           a JSON object of headers for every call to the first two (a proxy
//                           secret), REFUSED_RELAY_HEADERS for the third (a ticket)
//   SIM_URL, RELAY_SECRETS  the simulator, and the comma-separated values no answer may show
//   LISTED_ORIGIN           (relays that answer CORS) an origin the first two relays allow
//   WEBHOOK_SECRET          the secret of the first two relays' webhook route; the third has none
//   RELAY_HEARTBEAT_MS      how often the first relay's event streams carry a heartbeat
// The first two relays serve POST {base}/disconnect (the opt-in); the third does not.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `set ${name} (cargo xtask contract does)`);
  return value;
};
const relay = env("RELAY_URL");
const sim = env("SIM_URL");
const relayHeaders = JSON.parse(process.env.RELAY_HEADERS ?? "{}");
const checked = { url: relay, headers: relayHeaders };
const limited = { url: env("LIMITED_RELAY_URL"), headers: relayHeaders };
const refused = { url: env("REFUSED_RELAY_URL"), headers: JSON.parse(process.env.REFUSED_RELAY_HEADERS ?? "{}") };
const limitedBurst = Number(env("LIMITED_RELAY_BURST"));
const limitedPerMinute = Number(env("LIMITED_RELAY_PER_MIN"));
const upstreamTimeoutMs = Number(env("RELAY_UPSTREAM_TIMEOUT_MS"));
const secrets = (process.env.RELAY_SECRETS ?? "").split(",").filter(Boolean);
const instance = process.env.SIM_INSTANCE ?? "demo-instance";
const listedOrigin = process.env.LISTED_ORIGIN;

const control = (path, body) =>
  fetch(`${sim}/__sim${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json().catch(() => null));
const snapshot = () => control(`/instances/${instance}`);
const fail = (failure) => control(`/instances/${instance}/failure`, failure);

/**
 * GETs a relay path as the widget does (a header set to `undefined` is left out), checking that no secret leaks into the status line,
 * headers or body.
 */
function get(path, requestHeaders = {}, target = checked) {
  return call("GET", path, requestHeaders, target);
}

/** `get` with another method, and a body. */
async function call(method, path, requestHeaders = {}, target = checked, body = undefined) {
  const sent = { "x-zapi-connect": "1", ...target.headers, ...requestHeaders };
  const headers = Object.entries(sent).filter(([, value]) => value !== undefined);
  // A safety net: a relay that answers with a stream where it should refuse fails, not hangs.
  const response = await fetch(`${target.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const shown = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `a secret leaked in the body of ${path}`);
    assert.ok(!shown.includes(secret), `a secret leaked in the headers of ${path}`);
  }
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json };
}

beforeEach(() => control("/reset", {}));

test("status mirrors Z-API's body", async () => {
  const { status, json } = await get("/status");
  assert.equal(status, 200);
  assert.deepEqual(json, { connected: false, error: "You are not connected.", smartphoneConnected: false });
  assert.equal((await snapshot()).calls.status, 1);
});

test("qr-code carries the instance's current payload, with the Client-Token added", async () => {
  const { status, json, headers } = await get("/qr-code");
  assert.equal(status, 200);
  assert.equal(json.value, (await snapshot()).qr);
  assert.match(headers.get("cache-control") ?? "", /no-store/);
});

test("qr-code/image is a PNG data URL", async () => {
  const { status, json } = await get("/qr-code/image");
  assert.equal(status, 200);
  assert.match(json.value, /^data:image\/png;base64,iVBOR/);
});

test("phone-code returns the pairing code for a valid number", async () => {
  const { status, json } = await get("/phone-code/5511912345678");
  assert.equal(status, 200);
  assert.match(json.value, /^[1-9A-HJ-NP-TV-Z]{8}$/);
  assert.equal(json.value, (await snapshot()).phoneCode);
});

test("a connected instance says so", async () => {
  await control(`/instances/${instance}/scan`, {});
  const { json } = await get("/status");
  assert.equal(json.connected, true);
});

for (const phone of ["abc", "1234567", "1234567890123456", "+5511912345678", "55%2F11912345", "..%2F..%2Fstatus", "５５１１９１２３４５６７８"]) {
  test(`phone "${phone}" is refused before any Z-API call`, async () => {
    const { status } = await get(`/phone-code/${phone}`);
    assert.ok(status >= 400 && status < 500, `status ${status}`);
    await assertNothingRelayed();
  });
}

/** Nothing reached the simulator: `other` counts every instance path it does not serve. */
async function assertNothingRelayed() {
  const calls = (await snapshot()).calls;
  assert.equal(calls.other, 0, "an unserved Z-API path was relayed");
  const relayed = Object.entries(calls).filter(([, count]) => count > 0);
  assert.deepEqual(relayed, [], "Z-API was called");
}

// `/disconnect` is served for POST only.
for (const path of ["", "/", "/restart", "/restore-session", "/disconnect", "/qr-code/../restart", "/%2E%2E/restart", "/device/extra", "/extension-token/x", "/send-text", "/status/", "/qr-code/image/extra"]) {
  test(`"${path}" is not relayed`, async () => {
    const { status } = await get(path);
    assert.ok(status >= 400 && status < 500, `status ${status}`);
    await assertNothingRelayed();
  });
}

for (const method of ["POST", "PUT", "DELETE"]) {
  test(`${method} /status is not relayed`, async () => {
    const response = await fetch(`${relay}/status`, {
      method,
      headers: relayHeaders,
      body: method === "DELETE" ? undefined : "{}",
    });
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    await assertNothingRelayed();
  });
}

for (const [mode, pattern] of [
  ["subscription_expired", /subscri/i],
  ["client_token_rejected", /not allowed/i],
  ["ip_not_allowed", /not allowed/i],
  ["server_error", /.+/],
]) {
  test(`upstream failure "${mode}" reaches the widget as a JSON error`, async () => {
    await fail({ mode });
    const { status, json } = await get("/qr-code");
    assert.ok(status >= 400, `status ${status}`);
    assert.equal(typeof json?.error, "string");
    if (json.code === undefined) assert.match(json.error, pattern);
  });
}

test("an origin nobody allowed gets no CORS permission", async () => {
  const origin = "https://evil.example";
  const { status, headers } = await get("/status", { origin });
  const allowed = headers.get("access-control-allow-origin");
  assert.ok(allowed !== "*" && allowed !== origin, `allowed ${allowed} (status ${status})`);
  assert.notEqual(headers.get("access-control-allow-credentials"), "true");
});

const routes = ["/status", "/qr-code", "/qr-code/image", "/phone-code/5511912345678"];

for (const path of routes) {
  test(`${path}: Z-API too slow is 504 upstream_timeout`, async () => {
    await fail({ mode: "slow", delay_ms: upstreamTimeoutMs + 3000 });
    const { status, json } = await get(path);
    assert.equal(status, 504);
    assert.deepEqual([json?.code, json?.retryable], ["upstream_timeout", true]);
  });

  test(`${path}: Z-API refusing the connection is 502 upstream_unreachable`, async () => {
    const { status, json } = await get(path, {}, refused);
    assert.equal(status, 502);
    assert.deepEqual([json?.code, json?.retryable], ["upstream_unreachable", true]);
  });
}

for (const mode of ["none", "server_error"]) {
  test(`Z-API's CORS headers never reach the browser (failure mode ${mode})`, async () => {
    await fail({ mode, any_origin: true });
    for (const path of routes) {
      const { headers } = await get(path);
      const cors = [...headers.keys()].filter((name) => name.startsWith("access-control-allow-"));
      assert.deepEqual(cors, [], `${path} passed on ${cors.join(", ")}`);
    }
    const calls = (await snapshot()).calls;
    assert.equal(calls.status + calls["qr-code"] + calls["qr-code/image"] + calls["phone-code"], routes.length);
  });
}

test("past its burst a client gets 429 rate_limited with Retry-After, and Z-API is not called", async () => {
  for (let call = 1; call <= limitedBurst; call++) {
    const { status } = await get("/status", {}, limited);
    assert.equal(status, 200, `call ${call} of the burst`);
  }
  const { status, json, headers } = await get("/status", {}, limited);
  assert.equal(status, 429);
  assert.deepEqual([json?.code, json?.retryable], ["rate_limited", true]);
  const retryAfter = headers.get("retry-after");
  assert.match(retryAfter ?? "", /^[0-9]+$/);
  const wait = Number(retryAfter);
  assert.ok(wait >= 1 && wait <= Math.ceil(60 / limitedPerMinute), `Retry-After: ${retryAfter}`);
  assert.match(headers.get("cache-control") ?? "", /no-store/);
  // Unlinking the phone draws on the same budget.
  const disconnect = await call("POST", "/disconnect", {}, limited);
  assert.equal(disconnect.status, 429);
  assert.equal(disconnect.json?.code, "rate_limited");
  const calls = (await snapshot()).calls;
  assert.deepEqual([calls.status, calls.disconnect], [limitedBurst, 0]);
});

test("Z-API gets the secrets and nothing of the client's request", async () => {
  const visitor = {
    cookie: "session=visitor",
    authorization: "Bearer visitor",
    "x-forwarded-for": "203.0.113.9",
    "x-visitor-data": "1",
    "x-zapi-connect": "1",
    "content-length": "2",
  };
  // A GET with a body, which fetch cannot send.
  const { status } = await rawGet("/status", visitor, "{}");
  assert.equal(status, 200);
  const { calls, lastHeaders } = await snapshot();
  assert.equal(calls.status, 1);
  assert.ok(lastHeaders.includes("client-token"), lastHeaders.join(", "));
  const forwarded = [...Object.keys(visitor), ...Object.keys(relayHeaders)].filter((name) =>
    lastHeaders.includes(name.toLowerCase()),
  );
  assert.deepEqual(forwarded, [], `Z-API received ${forwarded.join(", ")}`);
});

for (const [name, headers] of [
  ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
  ["no X-Zapi-Connect", { "x-zapi-connect": undefined }],
  ["an empty X-Zapi-Connect", { "x-zapi-connect": "" }],
]) {
  test(`a request another site could make (${name}, no Origin) is refused before Z-API`, async () => {
    const { status, json } = await get("/qr-code", headers);
    assert.equal(status, 403);
    assert.equal(json?.code, "cross_site_request");
    await assertNothingRelayed();
  });
}

/** A GET sent with headers fetch does not let a page set (Host), or a body; returns the status and JSON. */
function rawGet(path, headers, body) {
  return new Promise((resolve, reject) => {
    const sent = request(`${relay}${path}`, { method: "GET", headers: { ...relayHeaders, ...headers } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: response.statusCode, json });
      });
    });
    sent.on("error", reject);
    sent.end(body);
  });
}

test("a host name nobody allowed (DNS rebinding) gets 421 host_not_allowed before Z-API", async () => {
  const port = new URL(relay).port;
  for (const host of [`rebound.example:${port}`, "rebound.example", `127.0.0.1.rebound.example:${port}`]) {
    const { status, json } = await rawGet("/qr-code", { host, "x-zapi-connect": "1" });
    assert.equal(status, 421, host);
    assert.equal(json?.code, "host_not_allowed");
  }
  await assertNothingRelayed();
  const own = await rawGet("/status", { host: `localhost:${port}`, "x-zapi-connect": "1" });
  assert.equal(own.status, 200, "localhost is the relay's own name");
});

test("extension-token passes Z-API's code and expiry on as they are", async () => {
  const { status, json, headers } = await get("/extension-token");
  assert.equal(status, 200);
  assert.match(json.token, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const { extensionToken, calls } = await snapshot();
  assert.deepEqual(json, extensionToken);
  assert.equal(calls["extension-token"], 1);
  assert.match(headers.get("cache-control") ?? "", /no-store/);
});

test("device describes the linked phone as Z-API does, and is an error while nothing is linked", async () => {
  const unlinked = await get("/device");
  assert.ok(unlinked.status >= 400, `status ${unlinked.status}`);
  assert.equal(typeof unlinked.json?.error, "string");
  await control(`/instances/${instance}/scan`, {});
  const { status, json } = await get("/device");
  assert.equal(status, 200);
  assert.deepEqual(json, (await snapshot()).device);
  assert.equal((await snapshot()).calls.device, 2);
});

test("every answer carries the relay's Date, for counting down to expiresAt", async () => {
  for (const path of ["/extension-token", "/status", "/nowhere"]) {
    const { headers } = await get(path);
    const date = Date.parse(headers.get("date") ?? "");
    assert.ok(Math.abs(date - Date.now()) < 60_000, `${path}: Date ${headers.get("date")}`);
  }
});

test("POST disconnect unlinks the phone with one call to Z-API", async () => {
  await control(`/instances/${instance}/scan`, {});
  const { status, json } = await call("POST", "/disconnect");
  assert.equal(status, 200);
  assert.deepEqual(json, { value: true });
  const { connected, calls } = await snapshot();
  assert.equal(connected, false);
  assert.equal(calls.disconnect, 1);
});

test("no other method unlinks the phone", async () => {
  await control(`/instances/${instance}/scan`, {});
  for (const method of ["GET", "HEAD", "PUT", "DELETE"]) {
    const { status } = await call(method, "/disconnect");
    assert.ok(status === 404 || status === 405, `${method}: status ${status}`);
  }
  assert.equal((await snapshot()).connected, true);
  await assertNothingRelayed();
});

for (const [name, headers] of [
  ["marked cross-site, from another origin", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", origin: "https://evil.example" }],
  ["marked cross-site, no Origin", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }],
  ["an older browser: no Fetch Metadata, no Origin", {}],
]) {
  test(`a form on another site cannot unlink the phone (${name})`, async () => {
    await control(`/instances/${instance}/scan`, {});
    const form = { "content-type": "application/x-www-form-urlencoded", "x-zapi-connect": undefined, ...headers };
    const { status, json } = await call("POST", "/disconnect", form, checked, "confirm=yes");
    assert.equal(status, 403);
    assert.ok(["cross_site_request", "origin_not_allowed"].includes(json?.code), json?.code);
    assert.equal((await snapshot()).connected, true);
    await assertNothingRelayed();
  });
}

test("a relay not told to allow it answers disconnect with 404 not_found", async () => {
  const { status, json } = await call("POST", "/disconnect", {}, refused);
  assert.equal(status, 404);
  assert.equal(json?.code, "not_found");
});

if (listedOrigin) {
  test("a listed origin may POST after its preflight and read the Date; another may not", async () => {
    const preflight = (origin) =>
      fetch(`${relay}/disconnect`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "x-zapi-connect" },
      });
    const allowed = await preflight(listedOrigin);
    assert.ok(allowed.ok, `status ${allowed.status}`);
    assert.equal(allowed.headers.get("access-control-allow-origin"), listedOrigin);
    assert.match(allowed.headers.get("access-control-allow-methods") ?? "", /POST/);
    const other = await preflight("https://evil.example");
    assert.equal(other.headers.get("access-control-allow-origin"), null);

    const { status, headers } = await get("/extension-token", { origin: listedOrigin });
    assert.equal(status, 200);
    const exposed = (headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    assert.ok(exposed.includes("date"), exposed.join(", "));
  });
}

const webhookSecret = env("WEBHOOK_SECRET");
const heartbeatMs = Number(env("RELAY_HEARTBEAT_MS"));
/** A safety net only: a broken relay fails here instead of hanging the suite. */
const FRAME_BOUND_MS = Math.max(10_000, heartbeatMs * 5);

/** `GET {base}/events` as the widget reads it, frame by frame. */
async function openEvents(requestHeaders = {}, target = checked) {
  const sent = { "x-zapi-connect": "1", accept: "text/event-stream", ...target.headers, ...requestHeaders };
  const headers = Object.entries(sent).filter(([, value]) => value !== undefined);
  const controller = new AbortController();
  const response = await fetch(`${target.url}/events`, { headers, signal: controller.signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const next = async () => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return frame;
      }
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no frame within ${FRAME_BOUND_MS} ms`)), FRAME_BOUND_MS);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), timeout]);
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  };
  return {
    response,
    next,
    /** The next event, heartbeats skipped. */
    async event() {
      for (;;) {
        const frame = await next();
        assert.notEqual(frame, null, "the stream ended");
        if (!frame.startsWith(":")) return parseEvent(frame);
      }
    },
    close: () => controller.abort(),
  };
}

function parseEvent(frame) {
  const match = frame.match(/^id: ([0-9]+)\nevent: (connected|disconnected)\ndata: \{\}$/);
  assert.ok(match, `not an event frame: ${JSON.stringify(frame)}`);
  return { id: Number(match[1]), kind: match[2] };
}

/** An open stream of the checked relay, past its opening heartbeat. */
async function subscribed(requestHeaders = {}) {
  const stream = await openEvents(requestHeaders);
  assert.equal(stream.response.status, 200);
  assert.equal(await stream.next(), ": heartbeat");
  return stream;
}

/** A Z-API callback as Z-API posts it: none of the widget's or the relay client's headers. */
function callback(type, instanceId = instance) {
  const flag = type === "ConnectedCallback" ? { connected: true } : { disconnected: true };
  return JSON.stringify({ type, ...flag, phone: "5511987654321", momment: 1780000000, instanceId });
}

function webhook(body, { secret = webhookSecret, method = "POST", target = checked } = {}) {
  return call(method, `/webhooks/${secret}`, { "x-zapi-connect": undefined, "content-type": "application/json" }, { url: target.url, headers: {} }, body);
}

/**
 * Runs `refusals` between two accepted callbacks on an open stream: the second must arrive as
 * the very next event, so nothing the refusals sent was published.
 */
async function assertNothingPublished(refusals) {
  const stream = await subscribed();
  try {
    assert.equal((await webhook(callback("ConnectedCallback"))).status, 200);
    const before = await stream.event();
    assert.equal(before.kind, "connected");
    await refusals();
    assert.equal((await webhook(callback("DisconnectedCallback"))).status, 200);
    assert.deepEqual(await stream.event(), { id: before.id + 1, kind: "disconnected" });
  } finally {
    stream.close();
  }
}

test("the event stream is an uncached text/event-stream that opens with a heartbeat and repeats it", async () => {
  const stream = await openEvents();
  try {
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.match(stream.response.headers.get("cache-control") ?? "", /no-store/);
    assert.equal(await stream.next(), ": heartbeat");
    // The next comment arrives with no event in between: the heartbeat repeats.
    assert.equal(await stream.next(), ": heartbeat");
  } finally {
    stream.close();
  }
});

test("a callback with the webhook secret reaches an open stream as a numbered event", async () => {
  const stream = await subscribed();
  try {
    const accepted = await webhook(callback("ConnectedCallback"));
    assert.deepEqual([accepted.status, accepted.json], [200, { ok: true }]);
    const connected = await stream.event();
    assert.equal(connected.kind, "connected");
    assert.equal((await webhook(callback("DisconnectedCallback"))).status, 200);
    assert.deepEqual(await stream.event(), { id: connected.id + 1, kind: "disconnected" });
  } finally {
    stream.close();
  }
});

test("a callback for another instance is 404 and reaches no stream of this one", async () => {
  await assertNothingPublished(async () => {
    for (const other of ["other-instance", instance.toUpperCase(), ` ${instance}`, `${instance}x`]) {
      const refused = await webhook(callback("ConnectedCallback", other));
      assert.deepEqual([refused.status, refused.json?.code], [404, "not_found"], other);
    }
  });
});

test("a wrong webhook secret is 404 not_found and publishes nothing", async () => {
  await assertNothingPublished(async () => {
    const almost = `${webhookSecret.slice(0, -1)}${webhookSecret.endsWith("0") ? "1" : "0"}`;
    for (const secret of [almost, `${webhookSecret}0`, webhookSecret.slice(0, -1), "x"]) {
      const refused = await webhook(callback("ConnectedCallback"), { secret });
      assert.deepEqual([refused.status, refused.json?.code], [404, "not_found"], secret);
    }
  });
});

test("a webhook body that is not JSON is 400 invalid_webhook, one over 16 KiB 413 payload_too_large", async () => {
  await assertNothingPublished(async () => {
    for (const bad of ["not json", "", JSON.stringify({ type: "ReceivedCallback", instanceId: instance })]) {
      const refused = await webhook(bad);
      assert.deepEqual([refused.status, refused.json?.code], [400, "invalid_webhook"], bad);
    }
    const huge = JSON.stringify({ type: "ConnectedCallback", instanceId: instance, padding: "A".repeat(17 * 1024) });
    const tooBig = await webhook(huge);
    assert.deepEqual([tooBig.status, tooBig.json?.code], [413, "payload_too_large"]);
  });
});

test("GET on the webhook route is 405 method_not_allowed", async () => {
  await assertNothingPublished(async () => {
    const refused = await webhook(undefined, { method: "GET" });
    assert.deepEqual([refused.status, refused.json?.code], [405, "method_not_allowed"]);
  });
});

test("a stream another site's page asks for is refused 403 cross_site_request", async () => {
  for (const site of ["cross-site", "same-site"]) {
    const { status, json } = await get("/events", { "sec-fetch-site": site });
    assert.deepEqual([status, json?.code], [403, "cross_site_request"], site);
  }
});

// The recipes take no credentials of their own; a relay that does refuses a stream without them.
if (Object.keys(relayHeaders).length > 0) {
  test("a stream without the relay's credentials is 401 unauthorized", async () => {
    const without = Object.fromEntries(Object.keys(relayHeaders).map((name) => [name, undefined]));
    const { status, json } = await get("/events", without);
    assert.deepEqual([status, json?.code], [401, "unauthorized"]);
  });
}

test("a stream opened again with Last-Event-ID first gets the events it missed", async () => {
  const stream = await subscribed();
  let seen;
  try {
    assert.equal((await webhook(callback("ConnectedCallback"))).status, 200);
    seen = await stream.event();
  } finally {
    stream.close();
  }
  // Sent while no stream is open.
  assert.equal((await webhook(callback("DisconnectedCallback"))).status, 200);
  assert.equal((await webhook(callback("ConnectedCallback"))).status, 200);
  const resumed = await openEvents({ "last-event-id": String(seen.id) });
  try {
    assert.equal(resumed.response.status, 200);
    assert.deepEqual(parseEvent(await resumed.next()), { id: seen.id + 1, kind: "disconnected" });
    assert.deepEqual(parseEvent(await resumed.next()), { id: seen.id + 2, kind: "connected" });
  } finally {
    resumed.close();
  }
});

test("a relay without a webhook secret answers 404 not_found on both routes", async () => {
  const events = await get("/events", {}, refused);
  assert.deepEqual([events.status, events.json?.code], [404, "not_found"]);
  const callbackSent = await webhook(callback("ConnectedCallback"), { target: refused });
  assert.deepEqual([callbackSent.status, callbackSent.json?.code], [404, "not_found"]);
});

test("calls to Z-API reuse the relay's connections instead of opening one each", async () => {
  const accepted = async () => (await control("/connections")).accepted;
  const before = await accepted();
  for (let i = 0; i < 10; i += 1) assert.equal((await get("/status")).status, 200);
  // One for the relay if its idle connection had gone, one for this suite's own next control call.
  const opened = (await accepted()) - before;
  assert.ok(opened <= 2, `${opened} connections to Z-API for 10 calls`);
});
