import { test, expect } from "../fixtures.js";

test("properties mirror the attributes", async ({ widget }) => {
  await widget.mount({ "qr-format": "svg" });
  await widget.expectState("qr");
  const values = await widget.element.evaluate((el) => {
    el.codeTtl = 90;
    el.defaultCountry = "351";
    el.methods = "phone,qr";
    el.theme = "dark";
    return {
      relay: el.relay,
      qrFormat: el.qrFormat,
      codeTtl: el.getAttribute("code-ttl"),
      defaultCountry: el.getAttribute("default-country"),
      methods: el.getAttribute("methods"),
      theme: el.getAttribute("theme"),
      token: el.token,
    };
  });
  expect(values).toEqual({
    relay: "/zapi",
    qrFormat: "svg",
    codeTtl: "90",
    defaultCountry: "351",
    methods: "phone,qr",
    theme: "dark",
    token: null,
  });
  await expect(widget.base).toHaveAttribute("data-theme", "dark");
});

// Regression: `el.interval` and `el.codeTtl` were the attribute's text (`null` when absent, "3"
// when unusable); they are the number the widget uses.
test("number properties are the numbers in use, before and after the wasm loads", async ({ widget, page }) => {
  await widget.mount({ interval: "12" });
  await widget.expectState("qr");
  const loaded = await widget.element.evaluate((el) => {
    const read = () => [el.interval, el.codeTtl];
    const seen = { given: read() };
    el.setAttribute("interval", " 18 ");
    el.setAttribute("code-ttl", "45");
    seen.changed = read();
    el.interval = 20;
    el.codeTtl = 600;
    seen.set = read();
    seen.setAttributes = [el.getAttribute("interval"), el.getAttribute("code-ttl")];
    el.setAttribute("interval", "3");
    el.setAttribute("code-ttl", "abc");
    seen.unusable = read();
    el.interval = null;
    el.codeTtl = undefined;
    seen.removed = read();
    seen.removedAttributes = [el.hasAttribute("interval"), el.hasAttribute("code-ttl")];
    return seen;
  });
  expect(loaded).toEqual({
    given: [12, 180],
    changed: [18, 45],
    set: [20, 600],
    setAttributes: ["20", "600"],
    unusable: [15, 180],
    removed: [15, 180],
    removedAttributes: [false, false],
  });

  // An element that never ran the widget (not in the document) reads its attributes the same way.
  const detached = await page.evaluate(() => {
    const el = document.createElement("zapi-connect");
    const cases = [];
    for (const [interval, ttl] of [[null, null], ["10", "30"], ["+16", " 599 "], ["21", "29"], ["9.5", "1e2"], ["", "-60"]]) {
      if (interval === null) el.removeAttribute("interval");
      else el.setAttribute("interval", interval);
      if (ttl === null) el.removeAttribute("code-ttl");
      else el.setAttribute("code-ttl", ttl);
      cases.push([el.interval, el.codeTtl]);
    }
    return cases;
  });
  expect(detached).toEqual([
    [15, 180],
    [10, 30],
    [16, 599],
    [15, 180],
    [15, 180],
    [15, 180],
  ]);
});

test("bad attribute values fall back with one console warning each and never break the element", async ({ widget, page }) => {
  const warnings = [];
  page.on("console", (message) => {
    if (message.type() === "warning") warnings.push(message.text());
  });
  await widget.mount({ interval: "3", methods: "qr,sms", "code-ttl": "abc", theme: "blue" });
  await widget.expectState("qr");
  await expect(widget.tabs).toHaveCount(2);
  await widget.element.evaluate((el) => el.setAttribute("interval", "2"));
  await widget.advance(15_000);
  await expect.poll(() => warnings.length).toBeGreaterThanOrEqual(4);
  for (const name of ["interval", "methods", "code-ttl", "theme"]) {
    expect(warnings.filter((w) => w.includes(`zapi-connect: ${name}`)), name).toHaveLength(1);
  }
});

test("stop() ends all calls, start() resumes, refresh() starts over", async ({ widget, sim }) => {
  await widget.mount();
  await widget.expectState("qr");
  await widget.element.evaluate((el) => el.stop());
  const calls = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(calls);

  await widget.element.evaluate((el) => el.start());
  await widget.expectState("qr");
  expect((await sim.calls()).status).toBe(calls.status + 1);

  const before = await sim.calls();
  await widget.element.evaluate((el) => el.refresh());
  await expect.poll(async () => (await sim.calls()).status).toBe(before.status + 1);
  await widget.expectState("qr");
});

test("stop() then refresh() starts over with one status check", async ({ widget, sim }) => {
  // The start and the refresh each used to send one.
  await widget.mount();
  await widget.expectState("qr");
  await widget.element.evaluate((el) => el.stop());
  await widget.expectState("stopped");
  const before = await sim.calls();
  await widget.element.evaluate((el) => el.refresh());
  await widget.expectState("qr");
  const after = await sim.calls();
  expect(after.status - before.status).toBe(1);
  expect(after["qr-code"] - before["qr-code"]).toBe(1);

  // Both in one go, on a running widget: one check as well.
  await widget.element.evaluate((el) => {
    el.stop();
    el.refresh();
  });
  await widget.expectState("qr");
  await expect.poll(async () => (await sim.calls()).status).toBe(after.status + 1);
});
