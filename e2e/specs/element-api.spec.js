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
      interval: el.interval,
    };
  });
  expect(values).toEqual({
    relay: "/zapi",
    qrFormat: "svg",
    codeTtl: "90",
    defaultCountry: "351",
    methods: "phone,qr",
    theme: "dark",
    interval: null,
  });
  await expect(widget.base).toHaveAttribute("data-theme", "dark");
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
