// A zapi-connect relay in plain Node.js (18+), no dependencies: the four Z-API connection
// paths, the secrets added here, everything else refused. See docs/relay-contract.md.
import { createServer } from "node:http";

const config = {
  upstream: (process.env.ZAPI_UPSTREAM ?? "https://api.z-api.io").replace(/\/+$/, ""),
  instanceId: required("ZAPI_INSTANCE_ID"),
  token: required("ZAPI_TOKEN"),
  clientToken: process.env.ZAPI_CLIENT_TOKEN || null,
  basePath: (process.env.RELAY_BASE_PATH ?? "/zapi").replace(/\/+$/, ""),
  timeoutMs: Number(process.env.RELAY_UPSTREAM_TIMEOUT_MS ?? 10_000),
  maxBody: 1024 * 1024,
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`node-relay: set ${name}`);
    process.exit(2);
  }
  return value;
}

const ROUTES = [
  [/^\/status$/, () => "status"],
  [/^\/qr-code$/, () => "qr-code"],
  [/^\/qr-code\/image$/, () => "qr-code/image"],
  [/^\/phone-code\/([^/]*)$/, (m) => (/^[0-9]{8,15}$/.test(m[1]) ? `phone-code/${m[1]}` : null)],
];

const ERRORS = {
  not_found: [404, "No such relay path.", false],
  method_not_allowed: [405, "Only GET is served.", false],
  invalid_phone: [400, "The phone number must be 8 to 15 digits with the country code.", false],
  subscription_expired: [402, "The Z-API instance's subscription has expired.", false],
  access_denied: [403, "Z-API refused the relay's credentials or address.", false],
  upstream_unreachable: [502, "Z-API could not be reached.", true],
  upstream_malformed: [502, "Z-API answered something unreadable.", true],
  upstream_error: [502, "Z-API answered with an error.", true],
  upstream_timeout: [504, "Z-API did not answer in time.", true],
};

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function fail(res, code) {
  const [status, error, retryable] = ERRORS[code];
  send(res, status, { code, error, retryable });
}

function classify(text) {
  if (/subscribe to this instance again/i.test(text)) return "subscription_expired";
  if (/not allowed/i.test(text)) return "access_denied";
  return "upstream_error";
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

async function relay(req, res) {
  const url = new URL(req.url, "http://relay");
  if (!url.pathname.startsWith(`${config.basePath}/`)) return fail(res, "not_found");
  if (req.method !== "GET") return fail(res, "method_not_allowed");
  const rest = url.pathname.slice(config.basePath.length);
  let path;
  for (const [pattern, build] of ROUTES) {
    const match = rest.match(pattern);
    if (match) {
      path = build(match);
      if (path === null) return fail(res, "invalid_phone");
      break;
    }
  }
  if (!path) return fail(res, "not_found");

  const target = `${config.upstream}/instances/${config.instanceId}/token/${config.token}/${path}`;
  const headers = config.clientToken ? { "client-token": config.clientToken } : {};
  let response;
  try {
    response = await fetch(target, { headers, signal: AbortSignal.timeout(config.timeoutMs) });
  } catch (error) {
    return fail(res, error.name === "TimeoutError" ? "upstream_timeout" : "upstream_unreachable");
  }
  let text;
  try {
    text = await readCapped(response);
  } catch (error) {
    return fail(res, error.name === "TimeoutError" ? "upstream_timeout" : "upstream_unreachable");
  }
  if (text === null) return fail(res, "upstream_malformed");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    const plain = (response.headers.get("content-type") ?? "").startsWith("text/plain");
    if (response.ok && plain) return send(res, 200, { value: text.trim() });
    return fail(res, response.ok ? "upstream_malformed" : "upstream_error");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return fail(res, "upstream_malformed");
  }
  if (response.ok) return send(res, 200, body);
  return fail(res, classify(typeof body.error === "string" ? body.error : ""));
}

const server = createServer((req, res) => {
  relay(req, res).catch(() => fail(res, "upstream_error"));
});
const [host, port] = (process.env.RELAY_BIND ?? "127.0.0.1:8787").split(/:(?=\d+$)/);
server.listen(Number(port), host, () => {
  const { address, port } = server.address();
  console.log(`node-relay listening on http://${address}:${port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
