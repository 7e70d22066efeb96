import { test, expect } from "../fixtures.js";

/** The error view and the last zapi-error event both carry `code`. */
async function expectError(widget, code, { retry = true } = {}) {
  await widget.expectState("error");
  await expect(widget.error).toHaveAttribute("data-code", code);
  await expect(widget.error).toHaveAttribute("role", "alert");
  await expect(widget.retryButton).toHaveCount(retry ? 1 : 0);
  const events = await widget.events("zapi-error");
  const detail = events.at(-1).detail;
  expect(detail.code).toBe(code);
  expect(detail.message.length).toBeGreaterThan(10);
  await expect(widget.error).toContainText(detail.message);
  expect(typeof detail.retryable).toBe("boolean");
  return detail;
}

for (const [mode, code, retryable] of [
  ["subscription_expired", "subscription_expired", false],
  ["ip_not_allowed", "access_denied", false],
  ["client_token_rejected", "access_denied", false],
  ["server_error", "upstream_error", true],
  ["garbage", "malformed_response", true],
  ["oversized", "malformed_response", true],
]) {
  test(`the simulator's ${mode} shows ${code}`, async ({ widget, sim }) => {
    await sim.failure(mode);
    await widget.mount();
    const detail = await expectError(widget, code);
    expect(detail.retryable).toBe(retryable);
  });
}

test("an upstream slower than the widget's limit shows timeout", async ({ widget, sim }) => {
  await sim.failure("slow", { delay_ms: 60_000 });
  await widget.mount();
  await expect.poll(async () => (await sim.calls()).status).toBe(1);
  await widget.page.clock.runFor(10_000);
  const detail = await expectError(widget, "timeout");
  expect(detail.retryable).toBe(true);
});

test("a session that dropped shows restore-session, not an error", async ({ widget, sim }) => {
  await sim.failure("restore_session");
  await widget.mount();
  await widget.expectState("restore-session");
  await expect(widget.page.locator("zapi-connect [part=restore-session]")).toBeVisible();
  expect((await sim.calls())["qr-code"]).toBe(0);
});

test("a wrong relay path shows relay_error", async ({ widget }) => {
  await widget.mount({ relay: "/no-relay-here" });
  await expectError(widget, "relay_error");
});

test("no relay at all is invalid_config, with nothing to retry", async ({ widget }) => {
  await widget.mount({ relay: "" });
  const detail = await expectError(widget, "invalid_config", { retry: false });
  expect(detail.retryable).toBe(false);
});

test("a rate-limited relay shows rate_limited with its Retry-After", async ({ widget, page }) => {
  // The simulator has no rate limit of its own; the relay's 429 is played here.
  await page.route("**/zapi/status", (route) =>
    route.fulfill({
      status: 429,
      headers: { "retry-after": "30", "content-type": "application/json" },
      body: JSON.stringify({ code: "rate_limited", error: "Too many requests", retryable: true }),
    }),
  );
  await widget.mount();
  const detail = await expectError(widget, "rate_limited");
  expect(detail.retryAfter).toBe(30);
  expect(detail.message).toContain("30");
});

for (const [status, page] of [
  [502, "<html><body><h1>502 Bad Gateway</h1></body></html>"],
  [503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"],
  [504, "<html><body><h1>504 Gateway Time-out</h1></body></html>"],
]) {
  test(`a load balancer's ${status} page is upstream_error, worth a retry`, async ({ widget, page: browser, sim }) => {
    // It used to be relay_error, "trying again will not help".
    let failing = true;
    await browser.route("**/zapi/status", (route) =>
      failing ? route.fulfill({ status, contentType: "text/html", body: page }) : route.fallback(),
    );
    await widget.mount();
    const detail = await expectError(widget, "upstream_error");
    expect(detail.retryable).toBe(true);
    failing = false;
    await widget.retryButton.click();
    await widget.expectState("qr");
    expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
  });
}

test("Z-API's own 500 through a plain proxy is upstream_error", async ({ widget, page }) => {
  await page.route("**/zapi/status", (route) =>
    route.fulfill({ status: 500, contentType: "application/json", body: '{"error":"Internal Server Error"}' }),
  );
  await widget.mount();
  const detail = await expectError(widget, "upstream_error");
  expect(detail.retryable).toBe(true);
});

test("invalid_phone from a route without a phone offers a retry", async ({ widget, page, sim }) => {
  // It used to be invalid_phone on the error screen, which has no retry: a dead end.
  let failing = true;
  await page.route("**/zapi/status", (route) =>
    failing
      ? route.fulfill({
          status: 400,
          contentType: "application/json",
          body: JSON.stringify({ code: "invalid_phone", error: "Invalid phone number.", retryable: false }),
        })
      : route.fallback(),
  );
  await widget.mount();
  await expectError(widget, "relay_error");
  failing = false;
  await widget.retryButton.click();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("a token with a line break is unauthorized and sends nothing", async ({ widget, page, sim }) => {
  // The browser refuses such a header value: it used to show relay_unreachable.
  const requests = [];
  page.on("request", (request) => request.url().includes("/zapi/") && requests.push(request.url()));
  await widget.mount({ token: "eyJhbGciOiJIUzI1NiJ9.e30.c2ln\nX-Other: 1" });
  const detail = await expectError(widget, "unauthorized");
  expect(detail.retryable).toBe(false);
  expect(requests).toEqual([]);
  const calls = await sim.calls();
  expect(calls.status + calls["qr-code"] + calls.other).toBe(0);
});
