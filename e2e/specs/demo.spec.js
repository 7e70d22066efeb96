import { test, expect } from "../fixtures.js";

test("the demo page's simulated phone scans the code and the widget connects", async ({ page, sim }) => {
  await page.goto("/");
  const widget = page.locator("zapi-connect [part=base]");
  await expect(widget).toHaveAttribute("data-state", "qr");
  await page.getByRole("button", { name: "Scan with simulated phone" }).click();
  await expect(widget).toHaveAttribute("data-state", "connected", { timeout: 15_000 });
  await expect(page.getByTestId("event-log")).toContainText("zapi-connected");
  expect((await sim.instance()).connected).toBe(true);
});
