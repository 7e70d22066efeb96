import { test, expect } from "../fixtures.js";

test("a hidden tab makes no relay calls, and an expired QR is replaced the moment it shows", async ({ widget, sim }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  await widget.setHidden(true);
  const before = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(before);

  await widget.setHidden(false);
  await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(before["qr-code"] + 1);
  await widget.expectState("qr");
  expect(await widget.countdownSeconds()).toBeGreaterThanOrEqual(14);
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("a phone code past its lifetime while hidden shows as expired", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  await widget.setHidden(true);
  const before = await sim.calls();
  await widget.advance(200_000);
  expect(await sim.calls()).toEqual(before);
  await widget.setHidden(false);
  await widget.expectState("code-expired");
  expect((await sim.calls())["phone-code"]).toBe(before["phone-code"]);
});

test("a widget inserted in a hidden tab makes no call until the tab shows", async ({ widget, sim, page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  });
  await widget.mount();
  await widget.expectState("loading");
  await widget.advance(30_000);
  expect((await sim.calls()).status).toBe(0);
  await widget.setHidden(false);
  await widget.expectState("qr");
  expect((await sim.calls()).status).toBe(1);
});
