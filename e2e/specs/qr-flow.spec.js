import { test, expect } from "../fixtures.js";

test("the QR on screen decodes to the simulator's current payload", async ({ widget, sim }) => {
  await widget.mount();
  await widget.expectState("qr");
  const { qr } = await sim.instance();
  expect(qr).toMatch(/^2@/);
  expect(await widget.decodeQr()).toBe(qr);
});

test("the countdown falls from the interval as time passes", async ({ widget }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  const first = await widget.countdownSeconds();
  expect(first).toBeGreaterThanOrEqual(14);
  expect(first).toBeLessThanOrEqual(15);
  await widget.advance(5_000);
  await expect.poll(() => widget.countdownSeconds()).toBeLessThanOrEqual(first - 5);
  expect(await widget.countdownSeconds()).toBeGreaterThanOrEqual(first - 6);
});

test("a new payload shows after each interval, and the flow stops after 3 QR calls", async ({ widget, sim }) => {
  await widget.mount({ interval: "20" });
  await widget.expectState("qr");
  const seen = [await widget.decodeQr()];
  expect(seen[0]).toBe((await sim.instance()).qr);

  for (let refresh = 1; refresh < 3; refresh++) {
    await widget.advance(20_000);
    await expect.poll(() => widget.decodeQr()).not.toBe(seen[seen.length - 1]);
    const shown = await widget.decodeQr();
    expect(shown).toBe((await sim.instance()).qr);
    seen.push(shown);
  }
  expect(new Set(seen).size).toBe(3);
  expect((await sim.calls())["qr-code"]).toBe(3);

  await widget.advance(20_000);
  await widget.expectState("paused");
  await expect(widget.qr).toHaveCount(0);
  await expect(widget.newCodeButton).toBeVisible();

  // Long after the stop, nobody has asked Z-API for another QR.
  await widget.advance(120_000);
  expect((await sim.calls())["qr-code"]).toBe(3);
  await widget.expectState("paused");

  await widget.newCodeButton.click();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
  expect((await sim.calls())["qr-code"]).toBe(4);

  // The button starts a fresh cycle of three calls.
  await widget.advance(20_000);
  await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(5);
  await widget.advance(20_000);
  await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(6);
  await widget.advance(20_000);
  await widget.expectState("paused");
  expect((await sim.calls())["qr-code"]).toBe(6);
});

test("qr-format=image shows the relay's PNG, which decodes to the same payload", async ({ widget, sim }) => {
  await widget.mount({ "qr-format": "image" });
  await widget.expectState("qr");
  await expect(widget.qr).toHaveAttribute("src", /^data:image\/png;base64,/);
  await expect(widget.qr).toHaveAttribute("alt", /.+/);
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
  const calls = await sim.calls();
  expect(calls["qr-code/image"]).toBe(1);
  expect(calls["qr-code"]).toBe(0);
});
