import { test, expect } from "../fixtures.js";

// What many apps serve: no inline styles or scripts. WebAssembly needs 'wasm-unsafe-eval'.
const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

test("the widget keeps its looks under a strict Content-Security-Policy", async ({ page, sim }) => {
  const logged = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") logged.push(message.text());
  });
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  await page.route("**/strict-csp.html", async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": POLICY } });
  });
  await page.goto("/strict-csp.html");
  const base = page.locator("zapi-connect [part=base]");
  await expect(base).toHaveAttribute("data-state", "qr");
  const looks = await base.evaluate((element) => {
    const style = getComputedStyle(element);
    return { display: style.display, radius: style.borderTopLeftRadius, padding: style.paddingTop };
  });
  expect(looks).toEqual({ display: "flex", radius: "12px", padding: "24px" });
  const qr = await page.locator("zapi-connect [part=qr]").boundingBox();
  expect(qr.width).toBe(232);
  expect(await page.evaluate(() => window.violations)).toEqual([]);
  expect(logged).toEqual([]);
  expect((await sim.calls())["qr-code"]).toBe(1);
});
