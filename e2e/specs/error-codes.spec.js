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
