import AxeBuilder from "@axe-core/playwright";
import { test, expect, formattedPhone, INSTANCE, watchFetches, step } from "../fixtures.js";

// Accounts that WhatsApp asks for a passkey: neither the QR code nor the pairing code links
// them; the code for Z-API's Chrome extension does.

const INSTALL_URL = "https://chromewebstore.google.com/detail/iopmkohngoecmepoheapifkafbeomphn";

function parts(page) {
  const part = (name) => page.locator(`zapi-connect [part=${name}]`);
  return {
    trouble: part("trouble-link"),
    code: part("extension-code"),
    steps: part("extension-steps"),
    install: part("extension-install-link"),
    back: part("back-button"),
  };
}

function passkeyRequired(sim) {
  return sim.post(`/instances/${INSTANCE}/mode`, { passkeyRequired: true });
}

/** The simulated Z-API Conector extension: the user types `code` into it and confirms. */
function typeIntoExtension(sim, code) {
  return sim.request.post(`${sim.url}/__sim/instances/${INSTANCE}/extension`, { data: { code } });
}

/** From the QR code, "Having trouble connecting?" and the extension code on screen. */
async function openExtension(widget, page) {
  const { trouble, code } = parts(page);
  await trouble.click();
  await widget.expectState("extension-code");
  await expect(code).toHaveText(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  return (await code.textContent()).trim();
}

test("passkey required: a scan does not link, the extension code does, without a reload", async ({ widget, sim, page }) => {
  await passkeyRequired(sim);
  await page.addInitScript(watchFetches);
  await widget.mount();
  await widget.expectState("qr");
  await sim.scan();
  expect((await sim.instance()).passkeyPending).toBe(true);
  // A status check or a new code's answer would tell a link: with the relay's event stream up,
  // the next comes within 30 s.
  const scanned = await sim.calls();
  for (let k = 0; k < 6; k++) {
    await sim.advance(5_000);
    await step(page);
  }
  const checked = await sim.calls();
  expect(checked.status + checked["qr-code"]).toBeGreaterThan(scanned.status + scanned["qr-code"]);
  await widget.expectState("qr");

  const shown = await openExtension(widget, page);
  const { extensionToken, calls } = await sim.instance();
  expect(shown).toBe(extensionToken.token);
  expect(calls["extension-token"]).toBe(1);
  const [event] = await widget.events("zapi-code").then((events) => events.filter((e) => e.detail.kind === "extension"));
  expect(event.detail.expiresAt).toBeGreaterThan(await page.evaluate(() => Date.now()));
  expect(event.detail.expiresAt).toBeLessThanOrEqual((await page.evaluate(() => Date.now())) + 300_000);
  await expect(widget.countdown).toHaveText(/^Code expires in [45]:\d\d$/);

  // The extension links; the relay's event brings it, confirmed by one status check.
  const { status: statusCalls, "qr-code": qrCalls } = await sim.calls();
  const linked = await typeIntoExtension(sim, shown);
  expect(linked.status()).toBe(200);
  await widget.expectState("connected");
  await expect(widget.connected).toBeVisible();
  const after = await sim.calls();
  expect(after.status).toBe(statusCalls + 1);
  expect(after["qr-code"]).toBe(qrCalls);
  expect(await widget.events("zapi-connected")).toEqual([{ type: "zapi-connected", detail: { alreadyConnected: false } }]);

  // The card names the phone the extension linked.
  const { device } = await sim.instance();
  await expect(page.locator("zapi-connect [part=device-phone]")).toHaveText(formattedPhone(device.phone));
  await expect(page.locator("zapi-connect [part=device-kind]")).toHaveText("iPhone");
  expect(device.originalDevice).toBe("iphone");
});

test("the screen shows the code, its copy button, the install link and the four steps", async ({ widget, page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await widget.mount();
  await widget.expectState("qr");
  const { trouble, steps, install, back } = parts(page);
  await expect(trouble).toHaveText("Having trouble connecting?");
  await openExtension(widget, page);
  await expect(steps.locator("li")).toHaveCount(4);
  await expect(steps.locator("li").nth(1)).toContainText("https://web.whatsapp.com");
  await expect(install).toHaveAttribute("href", INSTALL_URL);
  await expect(install).toHaveAttribute("target", "_blank");
  await expect(install).toHaveAttribute("rel", "noopener noreferrer");
  await expect(back).toHaveText("Back to the QR code");
  await widget.copyButton.click();
  await expect(widget.copyStatus).toHaveText("Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe((await parts(page).code.textContent()).trim());
});

test("extension-url sets the install link; anything but https falls back with a warning", async ({ widget, page }) => {
  const warnings = [];
  page.on("console", (message) => message.type() === "warning" && warnings.push(message.text()));
  await widget.mount({ "extension-url": "https://example.com/install-the-extension" });
  await widget.expectState("qr");
  await openExtension(widget, page);
  const { install } = parts(page);
  await expect(install).toHaveAttribute("href", "https://example.com/install-the-extension");
  await widget.element.evaluate((el) => el.setAttribute("extension-url", "javascript:alert(1)"));
  await expect(install).toHaveAttribute("href", INSTALL_URL);
  expect(warnings.filter((w) => w.includes("extension-url"))).toHaveLength(1);
});

test("an expired extension code waits for the user, then a new one follows", async ({ widget, sim, page }) => {
  await passkeyRequired(sim);
  await page.addInitScript(watchFetches);
  await widget.mount();
  await widget.expectState("qr");
  const first = await openExtension(widget, page);
  await widget.advance(300_000);
  await widget.expectState("extension-expired");
  await expect(parts(page).code).toHaveCount(0);
  expect(await widget.events("zapi-expired")).toContainEqual({ type: "zapi-expired", detail: { kind: "extension" } });
  // The simulated extension refuses the expired code too.
  expect((await typeIntoExtension(sim, first)).status()).toBe(409);
  // Nothing more is asked for until the user does.
  const calls = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(calls);

  await widget.newCodeButton.click();
  await widget.expectState("extension-code");
  const second = (await parts(page).code.textContent()).trim();
  expect(second).not.toBe(first);
  expect(second).toBe((await sim.instance()).extensionToken.token);
  expect((await sim.calls())["extension-token"]).toBe(2);
  expect((await widget.events("zapi-code")).filter((e) => e.detail.kind === "extension")).toHaveLength(2);
});

test("back returns to the QR code, or to the phone number the user came from", async ({ widget, sim, page }) => {
  await widget.mount();
  await widget.expectState("qr");
  await openExtension(widget, page);
  await parts(page).back.click();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);

  await widget.requestPhoneCode();
  await openExtension(widget, page);
  const { back } = parts(page);
  await expect(back).toHaveText("Back to the phone number");
  await back.click();
  await widget.expectState("phone-input");
  await expect(widget.phoneInput).toHaveValue("+55 11 91234-5678");
});

test("nothing is fetched while the tab is hidden; the link is checked when it shows again", async ({ widget, sim, page }) => {
  await widget.mount();
  await widget.expectState("qr");
  await openExtension(widget, page);
  await widget.advance(30_000);
  await expect.poll(async () => (await sim.calls()).status).toBeGreaterThanOrEqual(2);
  await widget.setHidden(true);
  const hidden = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(hidden);
  await widget.setHidden(false);
  await expect.poll(async () => (await sim.calls()).status).toBe(hidden.status + 1);
  await widget.expectState("extension-code");
});

test("the 2026 QR format is drawn as it is and decodes to exactly the simulator's text", async ({ widget, sim }) => {
  await sim.post(`/instances/${INSTANCE}/mode`, { qrFormat: "2026" });
  await widget.mount();
  await widget.expectState("qr");
  const { qr } = await sim.instance();
  expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#[^,]+(,[^,]+){4}$/);
  expect(await widget.decodeQr()).toBe(qr);
});

for (const theme of ["light", "dark"]) {
  test(`no axe violations on the extension screens (${theme})`, async ({ widget, page }) => {
    const check = async (label) => {
      const results = await new AxeBuilder({ page }).include("zapi-connect").analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), label).toEqual([]);
    };
    await widget.mount({ theme });
    await widget.expectState("qr");
    await check(`${theme} qr with the trouble link`);
    await openExtension(widget, page);
    await check(`${theme} extension-code`);
    await widget.advance(300_000);
    await widget.expectState("extension-expired");
    await check(`${theme} extension-expired`);
  });
}

test("state changes on the extension screens are announced", async ({ widget, page }) => {
  const live = page.locator("zapi-connect [aria-live=polite]");
  await widget.mount();
  await widget.expectState("qr");
  await openExtension(widget, page);
  await expect(live).toHaveText("Connect with the Z-API Conector extension");
  await widget.advance(300_000);
  await widget.expectState("extension-expired");
  await expect(live).toHaveText("The code has expired");
  const states = (await widget.events("zapi-state")).map((e) => e.detail.state);
  expect(states).toEqual(["loading", "qr", "loading", "extension-code", "extension-expired"]);
});
