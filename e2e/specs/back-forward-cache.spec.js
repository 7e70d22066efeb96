import { test, expect } from "../fixtures.js";
import { chromiumLaunchOptions } from "../chromium.js";

// Playwright turns the back-forward cache off by default; these tests need it as browsers ship it.
test.use({
  launchOptions: { ...chromiumLaunchOptions, ignoreDefaultArgs: ["--disable-back-forward-cache"] },
});

test("a page restored from the cache checks the status again", async ({ widget, sim, page }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  await page.evaluate(() => {
    window.restored = 0;
    addEventListener("pageshow", (event) => {
      if (event.persisted) window.restored += 1;
    });
  });
  await sim.scan();
  // A page of its own with no widget: nothing there calls the relay.
  await page.goto("/fixture.html?away");
  const before = await sim.calls();
  // A page restored from the cache fires no load event.
  await page.goBack({ waitUntil: "commit" });
  await expect.poll(() => page.evaluate(() => window.restored)).toBe(1);
  // Linked while the page was away: the widget does not go on showing the old code.
  await widget.expectState("connected");
  expect((await sim.calls()).status).toBe(before.status + 1);
});
