import { test, expect } from "../fixtures.js";

test("offline: no calls and no QR call spent; back online, a fresh code and all three calls", async ({ widget, sim, page }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  await page.context().setOffline(true);
  await widget.expectState("offline");
  await expect(page.locator("zapi-connect [part=offline]")).toBeVisible();
  const before = await sim.calls();
  await widget.advance(120_000);
  expect(await sim.calls()).toEqual(before);

  await page.context().setOffline(false);
  await widget.expectState("qr");
  const after = await sim.calls();
  expect(after.status).toBe(before.status + 1);
  expect(after["qr-code"]).toBe(before["qr-code"] + 1);
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
  // Three codes in the new cycle, as if the connection had never dropped.
  for (let code = 2; code <= 3; code++) {
    await widget.advance(15_000);
    await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(before["qr-code"] + code);
  }
  await widget.advance(15_000);
  await widget.expectState("paused");
  expect((await sim.calls())["qr-code"]).toBe(before["qr-code"] + 3);
});

test("a widget inserted while offline waits, then starts when the connection is back", async ({ widget, sim, page }) => {
  // The page itself comes from the network: only the widget starts offline.
  await page.addInitScript(() => {
    window.online = false;
    Object.defineProperty(Navigator.prototype, "onLine", { configurable: true, get: () => window.online });
  });
  await widget.mount();
  await widget.expectState("offline");
  await widget.advance(30_000);
  expect((await sim.calls()).status).toBe(0);
  await page.evaluate(() => {
    window.online = true;
    dispatchEvent(new Event("online"));
  });
  await widget.expectState("qr");
  expect((await sim.calls()).status).toBe(1);
});

test("the number typed before the connection dropped is still there after", async ({ widget, page }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  await page.context().setOffline(true);
  await widget.expectState("offline");
  await page.context().setOffline(false);
  await widget.expectState("phone-input");
  await expect(widget.phoneInput).toHaveValue("+55 11 91234-5678");
});

test("after a sleep the expired QR is gone the moment the page runs again", async ({ widget, sim, page }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  // The new code takes a moment to come, as over a waking Wi-Fi: the old one must not wait for it.
  await sim.failure("none", { latency_ms: 1_500 });
  await sim.advance(5 * 60_000);
  await page.clock.fastForward("05:00");
  // The first look after the jump: the old code is gone.
  const first = await page.evaluate(() => {
    const root = document.querySelector("zapi-connect").shadowRoot;
    const qr = root.querySelector("[part=qr]");
    return { state: root.querySelector("[part=base]").dataset.state, qr: qr && qr.innerHTML };
  });
  expect(first.state).toBe("loading");
  expect(first.qr).toBeNull();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("after a sleep a phone code shows as expired, and no code is fetched by itself", async ({ widget, sim, page }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  const before = await sim.calls();
  await sim.advance(10 * 60_000);
  await page.clock.fastForward("10:00");
  expect(await widget.state()).toBe("code-expired");
  expect((await sim.calls())["phone-code"]).toBe(before["phone-code"]);
});
