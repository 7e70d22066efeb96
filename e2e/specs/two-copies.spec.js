import { test, expect } from "../fixtures.js";

// Regression: two copies of the package on one page (two bundles, or one file from two URLs) each
// ran `define()`; the second did not recognise the first copy's class and warned that another
// script owned <zapi-connect>. The second copy must leave the first's element alone, silently.
test("a second copy of the package recognises the first: one element, no error, no warning", async ({ widget, page }) => {
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  await widget.mount();
  await widget.expectState("qr");

  const seen = await page.evaluate(async () => {
    const first = customElements.get("zapi-connect");
    const copy = await import(new URL("/vendor/zapi-connect/index.js?copy=2", location.href).href);
    copy.define();
    copy.define("zapi-connect-copy");
    const original = await import(new URL("/vendor/zapi-connect/index.js", location.href).href);
    original.define("zapi-connect-copy");
    return {
      anotherCopy: copy.ZapiConnect !== original.ZapiConnect,
      firstStays: customElements.get("zapi-connect") === first && first === original.ZapiConnect,
      otherTagDefined: customElements.get("zapi-connect-copy")?.prototype instanceof copy.ZapiConnect,
    };
  });
  expect(seen).toEqual({ anotherCopy: true, firstStays: true, otherTagDefined: true });
  await widget.expectState("qr");
  expect(problems).toEqual([]);
});

test("define() leaves a tag that another script owns alone, with one warning", async ({ widget, page }) => {
  const warnings = [];
  page.on("console", (message) => {
    if (message.type() === "warning") warnings.push(message.text());
  });
  await widget.mount();
  await page.evaluate(async () => {
    customElements.define("someone-elses-widget", class extends HTMLElement {});
    const { define } = await import(new URL("/vendor/zapi-connect/index.js", location.href).href);
    define("someone-elses-widget");
  });
  await expect.poll(() => warnings).toEqual([
    "zapi-connect: <someone-elses-widget> is already defined by another script; leaving it alone.",
  ]);
});
