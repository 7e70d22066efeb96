// The packed tarball as apps install it: a Vite app and a Next.js app (App Router, Turbopack), each
// built by its own tool and opened in Chromium, with the relay reached on the page's own origin.
import { test, expect, Widget } from "../fixtures.js";

const apps = {
  vite: process.env.ZAPI_CONSUMER_VITE_URL,
  next: process.env.ZAPI_CONSUMER_NEXT_URL,
};

/** Opens `url`, waits for the QR and checks it decodes to the simulator's payload. */
async function expectQrFromSimulator(page, sim, url) {
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  const widget = new Widget(page, sim);
  // Playwright's clock, as in the other specs, so timers run as they do there.
  await page.clock.install();
  await page.goto(url);
  await widget.expectState("qr");
  const { qr } = await sim.instance();
  expect(qr).toMatch(/^2@/);
  expect(await widget.decodeQr()).toBe(qr);
  expect(problems).toEqual([]);
}

test("Vite: the built app shows a QR that decodes to the simulator's payload", async ({ page, sim }) => {
  await expectQrFromSimulator(page, sim, apps.vite);
  await expect(page.locator("body")).toHaveAttribute("data-wasm", "ready");
});

test("Next.js: the server renders <zapi-connect> into the page's HTML", async ({ request }) => {
  const response = await request.get(apps.next);
  expect(response.ok()).toBeTruthy();
  const html = await response.text();
  expect(html).toContain('<zapi-connect relay="/zapi"></zapi-connect>');
});

test("Next.js: the page shows a QR that decodes to the simulator's payload", async ({ page, sim }) => {
  await expectQrFromSimulator(page, sim, apps.next);
});
