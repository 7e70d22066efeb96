import AxeBuilder from "@axe-core/playwright";
import { test, expect, Widget } from "../fixtures.js";

const QR_2026_PREFIX = "https://wa.me/settings/linked_devices#";

/** The whole demo page: its own controls as well as the widget. */
async function expectNoViolations(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(" ")})`), label).toEqual([]);
}

async function openDemo(page) {
  await page.goto("/");
  await expect(page.locator("zapi-connect [part=base]")).toHaveAttribute("data-state", "qr");
  await expect(page.getByRole("heading", { name: "Simulated phone" })).toBeVisible();
}

test("the demo page's simulated phone scans the code and the widget connects", async ({ page, sim }) => {
  await page.goto("/");
  const widget = page.locator("zapi-connect [part=base]");
  await expect(widget).toHaveAttribute("data-state", "qr");
  await page.getByRole("button", { name: "Scan with simulated phone" }).click();
  await expect(widget).toHaveAttribute("data-state", "connected", { timeout: 15_000 });
  await expect(page.getByTestId("event-log")).toContainText("zapi-connected");
  expect((await sim.instance()).connected).toBe(true);
});

test("passkey required: a scan does not link, and the simulated extension links with the current code", async ({ page, sim }) => {
  await openDemo(page);
  await page.getByRole("switch", { name: "Passkey required" }).check();
  await expect.poll(async () => (await sim.instance()).passkeyRequired).toBe(true);

  await page.getByRole("button", { name: "Scan with simulated phone" }).click();
  await expect(page.locator("#phone-message")).toContainText("needs the Z-API Conector extension");
  const waiting = await sim.instance();
  expect([waiting.connected, waiting.passkeyPending]).toEqual([false, true]);

  // The user opens "Having trouble connecting?" in the widget and reads its code.
  await page.locator("zapi-connect [part=trouble-link]").click();
  await expect(page.locator("zapi-connect [part=base]")).toHaveAttribute("data-state", "extension-code");
  const token = (await page.locator("zapi-connect [part=extension-code]").textContent()).trim();
  expect(token).toBe((await sim.instance()).extensionToken.token);
  await expect(page.locator("#extension-expected-code")).toHaveText(token);

  const code = page.getByLabel("Extension code");
  const confirm = page.getByRole("button", { name: "Confirm in the extension" });
  await code.fill("0000-0000");
  await confirm.click();
  await expect(page.locator("#extension-result")).toContainText("refused");
  expect((await sim.instance()).connected).toBe(false);

  await code.fill(token);
  await confirm.click();
  await expect(page.locator("#extension-result")).toHaveText("The extension linked the phone.");
  expect((await sim.instance()).connected).toBe(true);
  await expect(page.locator("zapi-connect [part=base]")).toHaveAttribute("data-state", "connected", { timeout: 15_000 });
  await expect(page.getByTestId("event-log")).toContainText("zapi-connected");
});

test("the 2026 QR format switch: the widget draws the simulator's new text exactly", async ({ page, sim }) => {
  await openDemo(page);
  await page.getByRole("switch", { name: "2026 QR format" }).check();
  await expect.poll(async () => (await sim.instance()).qrFormat).toBe("2026");
  const widget = new Widget(page, sim);
  await expect(async () => {
    const expected = (await sim.instance()).qr;
    expect(expected.startsWith(QR_2026_PREFIX)).toBe(true);
    expect(await widget.decodeQr()).toBe(expected);
  }).toPass({ timeout: 15_000 });
});

test("the demo page, its own controls included, has no axe violations", async ({ page }) => {
  await openDemo(page);
  await expectNoViolations(page, "start");
  await page.getByRole("switch", { name: "Passkey required" }).check();
  await page.getByRole("button", { name: "Scan with simulated phone" }).click();
  await expect(page.locator("#phone-message")).toContainText("needs the Z-API Conector extension");
  await page.getByLabel("Extension code").fill("0000-0000");
  await page.getByRole("button", { name: "Confirm in the extension" }).click();
  await expect(page.locator("#extension-result")).toContainText("refused");
  await expectNoViolations(page, "passkey pending, extension refused");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoViolations(page, "dark");
});
