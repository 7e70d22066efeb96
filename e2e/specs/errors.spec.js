import { test, expect } from "../fixtures.js";

test("a dead relay shows an error with a retry, not a blank box", async ({ widget, sim }) => {
  // Nothing listens on the discard port.
  await widget.mount({ relay: "http://127.0.0.1:9/zapi" });
  await widget.expectState("error");
  await expect(widget.error).toHaveAttribute("data-code", "relay_unreachable");
  await expect(widget.error).toHaveAttribute("role", "alert");
  await expect(widget.error).not.toBeEmpty();
  await expect(widget.retryButton).toBeVisible();
  const events = await widget.events("zapi-error");
  expect(events.at(-1).detail).toMatchObject({ code: "relay_unreachable", retryable: true });
  expect(events.at(-1).detail.message.length).toBeGreaterThan(0);

  // Once the relay is right, Retry recovers without a reload.
  await widget.page.locator("zapi-connect").evaluate((el) => el.setAttribute("relay", "/zapi"));
  await widget.retryButton.click();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("an upstream that rejects the Client-Token shows access_denied", async ({ widget, sim }) => {
  await sim.failure("client_token_rejected");
  await widget.mount();
  await widget.expectState("error");
  await expect(widget.error).toHaveAttribute("data-code", "access_denied");
  const events = await widget.events("zapi-error");
  expect(events.at(-1).detail.code).toBe("access_denied");
});

test("every request to the relay carries X-Zapi-Connect: 1", async ({ widget, page }) => {
  const requests = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/zapi/")) requests.push(request);
  });
  await widget.mount();
  await widget.expectState("qr");
  // The event stream too, asked for beside the first code.
  await expect.poll(() => requests.length).toBe(3);
  expect(requests.map((r) => new URL(r.url()).pathname).sort()).toEqual(["/zapi/events", "/zapi/qr-code", "/zapi/status"]);
  for (const request of requests) {
    expect(await request.headerValue("x-zapi-connect"), request.url()).toBe("1");
  }
});
