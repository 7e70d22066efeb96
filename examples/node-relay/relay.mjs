// A zapi-connect relay in plain Node.js (20+), no dependencies: the Z-API connection paths
// (and, when allowed, disconnect), the secrets added here, a rate limit per client address,
// with a webhook secret Z-API's connection callbacks in and an event stream out, everything
// else refused.
// See docs/relay-contract.md and examples/README.md for what it does not do.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { isIP } from "node:net";

const config = readConfig(process.env);

/**
 * Every setting, checked before the relay listens: a bad value stops it with a message that
 * names the variable (never a secret's value) rather than breaking each call later.
 */
function readConfig(env) {
  const problems = [];
  const value = (name) => (env[name] ?? "").trim() || undefined;
  const problem = (message) => {
    problems.push(message);
    return undefined;
  };
  const integer = (name, fallback, min, max, unit) => {
    const text = value(name);
    if (text === undefined) return fallback;
    const number = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
    return problem(`${name} must be a whole number of ${unit} from ${min} to ${max}, not ${JSON.stringify(text)}`);
  };
  // Z-API puts the id and token in the URL path; they are encoded there, and must be visible
  // ASCII so that an invisible character copied along with them is caught here.
  const flag = (name) => {
    const text = (value(name) ?? "false").toLowerCase();
    if (["true", "1", "yes"].includes(text)) return true;
    if (["false", "0", "no"].includes(text)) return false;
    return problem(`${name} must be true or false, not ${JSON.stringify(text)}`);
  };
  const credential = (name, needed) => {
    const text = value(name);
    if (text === undefined) return needed ? problem(`set ${name}`) : null;
    if (/^[\x21-\x7e]{1,200}$/.test(text)) return text;
    return problem(`${name} must be 1 to 200 visible ASCII characters (its value is not shown)`);
  };

  // Never shown either: a whole instance URL pasted here holds the token.
  const upstream = (() => {
    const text = value("ZAPI_UPSTREAM") ?? "https://api.z-api.io";
    const wrong = "ZAPI_UPSTREAM must be Z-API's base URL, such as https://api.z-api.io, without credentials, query, fragment or /instances/ (its value is not shown)";
    let url;
    try {
      url = new URL(text);
    } catch {
      return problem(wrong);
    }
    const extra = url.username || url.password || url.search || url.hash || /\/instances\//i.test(url.pathname);
    if (!["http:", "https:"].includes(url.protocol) || extra) return problem(wrong);
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  })();

  const basePath = (() => {
    const text = (value("RELAY_BASE_PATH") ?? "/zapi").replace(/\/+$/, "");
    if (/^(\/[A-Za-z0-9._~-]+)*$/.test(text)) return text;
    return problem(`RELAY_BASE_PATH must be a path such as /zapi, not ${JSON.stringify(text)}`);
  })();

  const bind = (() => {
    const text = value("RELAY_BIND") ?? "127.0.0.1:8787";
    const match = text.match(/^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):([0-9]{1,5})$/);
    const port = Number(match?.[3]);
    if (!match || port > 65535) {
      return problem(`RELAY_BIND must be HOST:PORT (such as 127.0.0.1:8787 or [::1]:8787), not ${JSON.stringify(text)}`);
    }
    return { host: match[1] ?? match[2], port };
  })();

  // Empty: the defaults, known once the port is (see allowHosts).
  const allowedHosts = (() => {
    const listed = (value("RELAY_ALLOWED_HOSTS") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
    const bad = listed.find((host) => host !== "*" && !/^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$/.test(host));
    if (bad === undefined) return listed;
    return problem(`RELAY_ALLOWED_HOSTS must list host or host:port names (or *), not ${JSON.stringify(bad)}`);
  })();

  // Z-API signs nothing: this secret in the callback URL is the only credential.
  const webhookSecret = (() => {
    const text = value("RELAY_WEBHOOK_SECRET");
    if (text === undefined || /^[A-Za-z0-9._~-]{32,256}$/.test(text)) return text ?? null;
    return problem("RELAY_WEBHOOK_SECRET must be 32 to 256 URL-safe characters (letters, digits, - _ . ~), random (its value is not shown)");
  })();

  const config = {
    upstream,
    webhookSecret,
    heartbeatMs: integer("RELAY_HEARTBEAT_MS", 15_000, 100, 300_000, "milliseconds"),
    maxStreams: integer("RELAY_MAX_STREAMS", 1000, 1, 100_000, "streams"),
    maxStreamsPerAddress: integer("RELAY_MAX_STREAMS_PER_ADDRESS", 8, 1, 10_000, "streams"),
    allowedHosts,
    instanceId: credential("ZAPI_INSTANCE_ID", true),
    token: credential("ZAPI_TOKEN", true),
    clientToken: credential("ZAPI_CLIENT_TOKEN", false),
    basePath,
    bind,
    timeoutMs: integer("RELAY_UPSTREAM_TIMEOUT_MS", 10_000, 100, 60_000, "milliseconds"),
    perMinute: integer("RELAY_RATE_LIMIT_PER_MIN", 60, 0, 100_000, "requests"),
    burst: integer("RELAY_RATE_LIMIT_BURST", 10, 1, 100_000, "requests"),
    allowDisconnect: flag("RELAY_ALLOW_DISCONNECT"),
    maxBody: 1024 * 1024,
  };
  if (problems.length > 0) {
    for (const message of problems) console.error(`node-relay: ${message}`);
    process.exit(2);
  }
  return config;
}

/** `[pattern, the method the widget uses, the Z-API path]`; Z-API is always called with GET. */
const ROUTES = [
  [/^\/status$/, "GET", () => "status"],
  [/^\/qr-code$/, "GET", () => "qr-code"],
  [/^\/qr-code\/image$/, "GET", () => "qr-code/image"],
  [/^\/phone-code\/([^/]*)$/, "GET", (m) => (/^[0-9]{8,15}$/.test(m[1]) ? `phone-code/${m[1]}` : null)],
  [/^\/extension-token$/, "GET", () => "extension-token"],
  [/^\/device$/, "GET", () => "device"],
  // Unlinks the phone: absent (404) unless RELAY_ALLOW_DISCONNECT=true.
  ...(config.allowDisconnect ? [[/^\/disconnect$/, "POST", () => "disconnect"]] : []),
];

const ERRORS = {
  not_found: [404, "No such relay path.", false],
  method_not_allowed: [405, "This path is not served for this method.", false],
  invalid_phone: [400, "The phone number must be 8 to 15 digits with the country code.", false],
  subscription_expired: [402, "The Z-API instance's subscription has expired.", false],
  access_denied: [403, "Z-API refused the relay's credentials or address.", false],
  cross_site_request: [403, "The relay only answers its widget, not requests another site could make.", false],
  host_not_allowed: [421, "The relay does not serve this host name.", false],
  rate_limited: [429, "Too many requests; wait before trying again.", true],
  upstream_unreachable: [502, "Z-API could not be reached.", true],
  upstream_malformed: [502, "Z-API answered something unreadable.", true],
  upstream_error: [502, "Z-API answered with an error.", true],
  upstream_timeout: [504, "Z-API did not answer in time.", true],
  invalid_webhook: [400, "Expected Z-API's ConnectedCallback or DisconnectedCallback as JSON.", false],
  payload_too_large: [413, "The request body is too large.", false],
};

// Only these headers leave the relay: nothing of Z-API's (CORS, cookies, caching) reaches a browser.
function send(res, status, body, extra = {}) {
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...extra,
  });
  res.end(JSON.stringify(body));
}

function fail(res, code, extra) {
  const [status, error, retryable] = ERRORS[code];
  send(res, status, { code, error, retryable }, extra);
}

function classify(text) {
  if (/subscribe to this instance again/i.test(text)) return "subscription_expired";
  if (/not allowed/i.test(text)) return "access_denied";
  return "upstream_error";
}

/**
 * GCRA per client address, as zapi-relay counts: `burst` requests at once, then one every
 * 60 s / `perMinute`. IPv6 clients count per /64, the block one subscriber usually holds.
 */
class RateLimit {
  #interval;
  #tolerance;
  #due = new Map();

  constructor(perMinute, burst) {
    this.#interval = 60_000 / perMinute;
    this.#tolerance = this.#interval * burst;
  }

  /** `null` when admitted, otherwise the whole seconds to wait. */
  check(address, now = Date.now()) {
    const key = limitKey(address);
    const due = Math.max(this.#due.get(key) ?? now, now) + this.#interval;
    const wait = due - now - this.#tolerance;
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    this.#due.set(key, due);
    return null;
  }

  /** Forgets the addresses whose budget is full again, so a scan cannot grow memory. */
  prune(now = Date.now()) {
    for (const [key, due] of this.#due) if (due <= now) this.#due.delete(key);
  }
}

function limitKey(address = "") {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head, tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/**
 * The relay serves its own origin only and answers no CORS preflight, so a request that
 * another site could make the browser send (an `<img>`, a link, a form, with the visitor's
 * cookies) lacks the widget's header or is marked by the browser as coming from another site.
 */
function fromAnotherSite(headers) {
  const site = (headers["sec-fetch-site"] ?? "").toLowerCase();
  return site === "cross-site" || site === "same-site" || !headers["x-zapi-connect"];
}

async function readCapped(response) {
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > config.maxBody) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** One line per upstream failure for operators: the route and the code, never the URL. */
function logFailure(route, code, started) {
  const shown = route.startsWith("phone-code/") ? "phone-code/…" : route;
  console.error(`node-relay: GET ${shown} failed: ${code} after ${Date.now() - started} ms`);
}

/**
 * The `Host` names served, against DNS rebinding: a page whose name its owner re-points at the
 * relay's address is same-origin with it, but still sends its own `Host`. By default the bind
 * address and the loopback names, with the port.
 */
function allowHosts(port) {
  if (config.allowedHosts.includes("*")) return null;
  if (config.allowedHosts.length > 0) return new Set(config.allowedHosts);
  const host = config.bind.host.toLowerCase();
  const named = ["0.0.0.0", "::"].includes(host) ? [] : [isIP(host) === 6 ? `[${host}]` : host];
  return new Set([...named, "localhost", "127.0.0.1", "[::1]"].map((name) => `${name}:${port}`));
}
let allowedHosts = null;

/** Keeps two characters at each end and stars the rest, as zapi-relay logs a phone. */
function mask(text) {
  const chars = [...text];
  if (chars.length <= 6) return "*".repeat(chars.length);
  return `${chars.slice(0, 2).join("")}${"*".repeat(chars.length - 4)}${chars.slice(-2).join("")}`;
}

/** Events the stream replays after a `Last-Event-ID`. */
const RING = 32;
/** Bytes a stream may hold unsent before it is ended: a client that stops reading costs no more. */
const MAX_UNSENT = 64 * 1024;
/** Z-API's callbacks are a few hundred bytes. */
const MAX_WEBHOOK_BYTES = 16 * 1024;
/** Past this, a refused body is not even read to its end. */
const MAX_DRAINED = 1024 * 1024;
/** How long a client over a stream cap is asked to wait, as zapi-relay asks. */
const STREAM_RETRY_AFTER_SECS = 30;

/**
 * The instance's connection events: numbered from 1, the last few held for `Last-Event-ID`, sent
 * to every open stream. One instance, so one alias: a callback for any other id is refused.
 */
class EventBus {
  #lastId = 0;
  #ring = [];
  #streams = new Set();
  #perAddress = new Map();

  /** Admits a stream under both caps and returns its key, or `null` when one is full. */
  admit(address) {
    const key = limitKey(address);
    const fromAddress = this.#perAddress.get(key) ?? 0;
    if (this.#streams.size >= config.maxStreams || fromAddress >= config.maxStreamsPerAddress) return null;
    this.#perAddress.set(key, fromAddress + 1);
    return key;
  }

  /** The held events after `lastSeen`, and `send` called with each later frame until `remove`. */
  add(send, lastSeen) {
    this.#streams.add(send);
    return lastSeen === null ? [] : this.#ring.filter((event) => event.id > lastSeen).map(frame);
  }

  remove(send, key) {
    if (!this.#streams.delete(send)) return;
    const left = (this.#perAddress.get(key) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(key, left);
    else this.#perAddress.delete(key);
  }

  publish(kind) {
    const event = { id: ++this.#lastId, kind };
    this.#ring.push(event);
    if (this.#ring.length > RING) this.#ring.shift();
    const text = frame(event);
    for (const send of this.#streams) send(text);
    return event;
  }

  /** Ends every stream (shutdown). */
  endAll() {
    for (const send of [...this.#streams]) send(null);
  }
}

function frame(event) {
  return `id: ${event.id}\nevent: ${event.kind}\ndata: {}\n\n`;
}

const bus = new EventBus();

function lastEventId(headers) {
  const text = (headers["last-event-id"] ?? "").trim();
  return /^[0-9]{1,15}$/.test(text) ? Number(text) : null;
}

/** `GET {base}/events`: Server-Sent Events, a heartbeat first and then every `heartbeatMs`. */
function openStream(req, res) {
  const key = bus.admit(req.socket.remoteAddress);
  if (key === null) {
    return fail(res, "rate_limited", { "retry-after": String(STREAM_RETRY_AFTER_SECS) });
  }
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-accel-buffering": "no",
  });
  let heartbeat = null;
  // `null` ends the stream cleanly (shutdown) and then its connection, which would stay open
  // for the next request otherwise.
  const send = (text) => {
    if (text === null) return res.end(() => res.socket?.destroy());
    if (res.writableLength > MAX_UNSENT) return res.destroy();
    res.write(text);
  };
  // Released together, however the stream ends: the client leaves, falls behind, or shutdown.
  res.on("close", () => {
    clearInterval(heartbeat);
    bus.remove(send, key);
  });
  for (const held of bus.add(send, lastEventId(req.headers))) res.write(held);
  res.write(": heartbeat\n\n");
  heartbeat = setInterval(() => send(": heartbeat\n\n"), config.heartbeatMs);
}

function sha256(text) {
  return createHash("sha256").update(text).digest();
}
const webhookDigest = config.webhookSecret === null ? null : sha256(config.webhookSecret);

/** Compared in constant time: equal-length digests, whatever the lengths given. */
function knowsSecret(given) {
  return timingSafeEqual(sha256(given), webhookDigest);
}

/** The body, or `null` when it passed the cap (read on to `MAX_DRAINED`, then cut off). */
async function readWebhookBody(req) {
  if (Number(req.headers["content-length"] ?? 0) > MAX_DRAINED) return null;
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_DRAINED) {
      req.destroy();
      return null;
    }
    if (size <= MAX_WEBHOOK_BYTES) chunks.push(chunk);
  }
  return size > MAX_WEBHOOK_BYTES ? null : Buffer.concat(chunks).toString("utf8");
}

const CALLBACKS = { ConnectedCallback: "connected", DisconnectedCallback: "disconnected" };

/** What the relay reads of a callback, or `null` when it is not one of the two it takes. */
function parseCallback(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null;
  const { type, instanceId, phone, momment } = body;
  if (typeof type !== "string" || typeof instanceId !== "string") return null;
  if (phone !== undefined && phone !== null && typeof phone !== "string") return null;
  if (momment !== undefined && momment !== null && !(Number.isSafeInteger(momment) && momment >= 0)) return null;
  return { kind: CALLBACKS[type] ?? null, instanceId, phone: phone ?? null, momment: momment ?? null };
}

/**
 * `POST {base}/webhooks/{secret}`: a wrong secret answers like an unknown path, whatever the
 * method; the callback's `instanceId` must be this relay's instance.
 */
async function receiveWebhook(req, res, secret) {
  if (!knowsSecret(secret)) return fail(res, "not_found");
  if (req.method !== "POST") return fail(res, "method_not_allowed");
  const text = await readWebhookBody(req);
  if (text === null) return fail(res, "payload_too_large", { connection: "close" });
  const callback = parseCallback(text);
  if (callback === null || callback.kind === null) {
    console.error("node-relay: webhook refused: not a connection callback");
    return fail(res, "invalid_webhook");
  }
  if (callback.instanceId !== config.instanceId) {
    console.error("node-relay: webhook refused: unknown instance");
    return fail(res, "not_found");
  }
  const event = bus.publish(callback.kind);
  const shown = callback.phone === null ? "-" : mask(callback.phone);
  console.log(
    `node-relay: the phone ${callback.kind === "connected" ? "linked" : "unlinked"} (webhook) event=${callback.kind} id=${event.id} phone=${shown} momment=${callback.momment ?? "-"}`,
  );
  send(res, 200, { ok: true });
}

const limits = config.perMinute > 0 ? new RateLimit(config.perMinute, config.burst) : null;
const instancePath = `/instances/${encodeURIComponent(config.instanceId)}/token/${encodeURIComponent(config.token)}`;

async function relay(req, res) {
  const host = req.headers.host;
  if (allowedHosts && host !== undefined && !allowedHosts.has(host.toLowerCase())) {
    return fail(res, "host_not_allowed");
  }
  // Browsers send a path; a request line naming a host (absolute form) is no widget's.
  if (!req.url.startsWith("/")) return fail(res, "not_found");
  const url = new URL(req.url, "http://relay");
  if (!url.pathname.startsWith(`${config.basePath}/`)) return fail(res, "not_found");
  const rest = url.pathname.slice(config.basePath.length);
  // Served only with a webhook secret: otherwise 404, like any unknown path.
  if (config.webhookSecret !== null) {
    const webhook = rest.match(/^\/webhooks\/([^/]+)$/);
    if (webhook) {
      // Z-API sends none of a browser's headers: no cross-site check here.
      const retryAfter = limits?.check(req.socket.remoteAddress);
      if (retryAfter) return fail(res, "rate_limited", { "retry-after": String(retryAfter) });
      let secret;
      try {
        secret = decodeURIComponent(webhook[1]);
      } catch {
        return fail(res, "not_found");
      }
      return receiveWebhook(req, res, secret);
    }
    if (rest === "/events") {
      if (req.method !== "GET") return fail(res, "method_not_allowed");
      if (fromAnotherSite(req.headers)) return fail(res, "cross_site_request");
      const retryAfter = limits?.check(req.socket.remoteAddress);
      if (retryAfter) return fail(res, "rate_limited", { "retry-after": String(retryAfter) });
      return openStream(req, res);
    }
  }
  let route;
  for (const [pattern, method, build] of ROUTES) {
    const match = rest.match(pattern);
    if (match) {
      if (req.method !== method) return fail(res, "method_not_allowed");
      route = build(match);
      if (route === null) return fail(res, "invalid_phone");
      break;
    }
  }
  if (!route) return fail(res, "not_found");
  if (fromAnotherSite(req.headers)) return fail(res, "cross_site_request");
  const retryAfter = limits?.check(req.socket.remoteAddress);
  if (retryAfter) return fail(res, "rate_limited", { "retry-after": String(retryAfter) });

  const started = Date.now();
  const failed = (code) => {
    logFailure(route, code, started);
    fail(res, code);
  };
  const headers = config.clientToken ? { "client-token": config.clientToken } : {};
  let response;
  try {
    response = await fetch(`${config.upstream}${instancePath}/${route}`, {
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    return failed(error.name === "TimeoutError" ? "upstream_timeout" : "upstream_unreachable");
  }
  let text;
  try {
    text = await readCapped(response);
  } catch (error) {
    return failed(error.name === "TimeoutError" ? "upstream_timeout" : "upstream_unreachable");
  }
  if (text === null) return failed("upstream_malformed");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    const plain = (response.headers.get("content-type") ?? "").startsWith("text/plain");
    if (response.ok && plain) return send(res, 200, { value: text.trim() });
    return failed(response.ok ? "upstream_malformed" : "upstream_error");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return failed("upstream_malformed");
  }
  if (response.ok) return send(res, 200, body);
  return failed(classify(typeof body.error === "string" ? body.error : ""));
}

const server = createServer((req, res) => {
  relay(req, res).catch(() => (res.headersSent ? res.destroy() : fail(res, "upstream_error")));
});
// One client must not hold the relay: a bounded time for a request's head and whole request,
// and connections above the cap closed rather than queued.
server.headersTimeout = 10_000;
server.requestTimeout = 10_000 + config.timeoutMs;
server.maxConnections = 1024;

const pruning = limits ? setInterval(() => limits.prune(), 60_000) : null;
pruning?.unref();

server.listen(config.bind.port, config.bind.host, () => {
  const { address, port } = server.address();
  allowedHosts = allowHosts(port);
  const host = isIP(address) === 6 ? `[${address}]` : address;
  console.log(`node-relay listening on http://${host}:${port}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    clearInterval(pruning);
    server.close(() => process.exit(0));
    bus.endAll();
    server.closeIdleConnections();
    // In-flight calls get the upstream timeout to finish; then whatever is open is dropped.
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, config.timeoutMs + 1000).unref();
  });
}
