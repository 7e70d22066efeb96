import { test, expect } from "../fixtures.js";

/** Keeps the ids of the page's intervals that are set and not cleared. */
function trackIntervals() {
  const set = window.setInterval;
  const clear = window.clearInterval;
  window.liveIntervals = new Set();
  window.setInterval = function (...args) {
    const id = set.apply(this, args);
    window.liveIntervals.add(id);
    return id;
  };
  window.clearInterval = function (id) {
    window.liveIntervals.delete(id);
    return clear.call(this, id);
  };
}

/** The event stream's requests, and the errors of those that failed. */
function watchStream(page) {
  const stream = { requests: [], failed: [] };
  const isStream = (request) => new URL(request.url()).pathname.endsWith("/events");
  page.on("request", (request) => isStream(request) && stream.requests.push(request));
  page.on("requestfailed", (request) => isStream(request) && stream.failed.push(request.failure()?.errorText));
  return stream;
}

test("removing the element stops every timer and request", async ({ widget, sim }) => {
  const stream = watchStream(widget.page);
  await widget.mount();
  await widget.expectState("qr");
  await expect.poll(() => stream.requests.length).toBe(1);
  expect((await stream.requests[0].response()).status()).toBe(200);
  await widget.page.evaluate(() => document.querySelector("zapi-connect").remove());
  // The event stream is aborted with it.
  await expect.poll(() => stream.failed).toEqual(["net::ERR_ABORTED"]);
  const calls = await sim.calls();
  await widget.advance(120_000);
  expect(await sim.calls()).toEqual(calls);
  const errors = [];
  widget.page.on("pageerror", (e) => errors.push(e));
  await widget.page.clock.runFor(10_000);
  expect(errors).toEqual([]);
  expect(stream.requests.length).toBe(1);
});

test("the connected screen closes the event stream and keeps no interval ticking", async ({ widget, sim }) => {
  const stream = watchStream(widget.page);
  await widget.mount({}, { setup: trackIntervals });
  await widget.expectState("qr");
  // The countdown's tick.
  expect(await widget.page.evaluate(() => window.liveIntervals.size)).toBe(1);
  await expect.poll(() => stream.requests.length).toBe(1);
  expect((await stream.requests[0].response()).status()).toBe(200);
  await sim.scan();
  await widget.expectState("connected");
  expect(await widget.page.evaluate(() => window.liveIntervals.size)).toBe(0);
  await expect.poll(() => stream.failed).toEqual(["net::ERR_ABORTED"]);
  // Minutes later, still nothing runs.
  await widget.advance(120_000);
  expect(await widget.page.evaluate(() => window.liveIntervals.size)).toBe(0);
  expect(stream.requests.length).toBe(1);
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
