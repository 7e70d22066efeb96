import { test, expect } from "../fixtures.js";

test("removing the element stops every timer and request", async ({ widget, sim }) => {
  await widget.mount();
  await widget.expectState("qr");
  await widget.page.evaluate(() => document.querySelector("zapi-connect").remove());
  const calls = await sim.calls();
  await widget.advance(120_000);
  expect(await sim.calls()).toEqual(calls);
  const errors = [];
  widget.page.on("pageerror", (e) => errors.push(e));
  await widget.page.clock.runFor(10_000);
  expect(errors).toEqual([]);
});

test("the interval attribute changes the refresh period live", async ({ widget, sim }) => {
  await widget.mount({ interval: "20" });
  await widget.expectState("qr");
  await widget.page.locator("zapi-connect").evaluate((el) => el.setAttribute("interval", "10"));
  await widget.advance(10_000);
  await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(2);
  expect(await widget.countdownSeconds()).toBeLessThanOrEqual(10);
});

test("qr-format switches from svg to image live", async ({ widget, sim }) => {
  await widget.mount();
  await widget.expectState("qr");
  await expect(widget.qr).toHaveJSProperty("tagName", "svg");
  await widget.page.locator("zapi-connect").evaluate((el) => el.setAttribute("qr-format", "image"));
  await expect(widget.qr).toHaveJSProperty("tagName", "IMG");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});
