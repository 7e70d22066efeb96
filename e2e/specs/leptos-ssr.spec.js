// The Leptos component in a server-rendered app (examples/leptos-ssr): the server's HTML
// already holds the widget, and the browser hydrates it in place without a warning.
import { test, expect, Widget, INSTANCE } from "../fixtures.js";

const SSR_URL = process.env.ZAPI_E2E_SSR_URL;

/** The component rendered straight into the page, not inside a `<zapi-connect>` element. */
class HydratedWidget extends Widget {
  constructor(page, sim) {
    super(page, sim);
    this.base = page.locator("[part=base]");
    this.qr = page.locator("[part=qr]");
  }
}

/** Every warning and error the page logs, and every uncaught exception. */
function collectProblems(page) {
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "warning" || message.type() === "error") {
      problems.push(`console.${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

test.beforeEach(() => {
  // A missing URL is a broken setup, not a reason to skip.
  expect(SSR_URL, "ZAPI_E2E_SSR_URL (set by `cargo xtask test`)").toBeTruthy();
});

test("the server's HTML already shows the widget's loading placeholder", async ({ request }) => {
  const response = await request.get(`${SSR_URL}/`);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toMatch(/<div[^>]*\bpart="base"/);
  expect(html).toContain("Checking the connection…");
});

test("the page hydrates the server's widget, shows a QR that decodes to the simulator's payload, and logs no warning", async ({
  page,
  sim,
}) => {
  const problems = collectProblems(page);
  // Hold the wasm back until the server's markup has been looked at: hydration must adopt
  // that very element, not draw a second widget.
  let releaseWasm;
  const wasmHeld = new Promise((resolve) => (releaseWasm = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await wasmHeld;
    await route.continue();
  });
  await page.goto(`${SSR_URL}/`);
  const widget = new HydratedWidget(page, sim);
  await expect(widget.base).toHaveCount(1);
  await expect(widget.base).toContainText("Checking the connection…");
  await page.evaluate(() => {
    window.serverRenderedBase = document.querySelector("[part=base]");
  });
  releaseWasm();

  await widget.expectState("qr");
  expect(await page.evaluate(() => document.querySelector("[part=base]") === window.serverRenderedBase)).toBe(true);
  await expect(widget.base).toHaveCount(1);
  const { qr } = await sim.instance();
  expect(qr).toMatch(/^2@/);
  expect(await widget.decodeQr()).toBe(qr);

  // The app's own handler hears the widget's events once the phone scans the code.
  await expect(page.getByTestId("link-status")).toHaveText("No phone linked yet.");
  // The simulator's profile picture is on a host that never resolves, and the browser logs
  // every picture that fails to load: the linked phone here has none.
  await sim.post(`/instances/${INSTANCE}/device`, { imgUrl: null });
  await sim.scan();
  // The widget learns of the scan at its next status check, within one QR interval (15 s).
  await expect(widget.base).toHaveAttribute("data-state", "connected", { timeout: 20_000 });
  await expect(page.getByTestId("link-status")).toHaveText("Your phone is linked.");

  expect(problems).toEqual([]);
});
