import { test, expect } from "../fixtures.js";

test("a scan turns the widget to connected and fires zapi-connected", async ({ widget, sim, page }) => {
  await widget.mount();
  await widget.expectState("qr");
  await sim.scan();
  // The widget learns of the link by polling /status while the code is shown.
  await widget.advance(5_000);
  await widget.expectState("connected");
  await expect(widget.connected).toBeVisible();
  await expect(widget.qr).toHaveCount(0);
  const events = await widget.events("zapi-connected");
  expect(events).toHaveLength(1);
  expect(events[0].detail).toMatchObject({ alreadyConnected: false });

  // Connected is final: after the one question of which phone it is, no more calls of any kind.
  await expect(page.locator("zapi-connect [part=device]")).toBeVisible();
  const calls = await sim.calls();
  expect(calls.device).toBe(1);
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(calls);
});

test("an already-connected instance never gets a QR call", async ({ widget, sim }) => {
  await sim.scan();
  await widget.mount();
  await widget.expectState("already-connected");
  await widget.advance(60_000);
  const calls = await sim.calls();
  expect(calls["qr-code"]).toBe(0);
  expect(calls["qr-code/image"]).toBe(0);
  expect(calls.status).toBe(1);
  const events = await widget.events("zapi-connected");
  expect(events).toHaveLength(1);
  expect(events[0].detail).toMatchObject({ alreadyConnected: true });
});
