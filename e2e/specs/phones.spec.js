import { devices } from "@playwright/test";
import { test, expect, Widget } from "../fixtures.js";

// Chromium's mobile emulation with each profile's screen, touch and user agent; the browser
// stays the project's Chromium.
const PHONES = {
  "iPhone 13": devices["iPhone 13"],
  "Pixel 7": devices["Pixel 7"],
};

/** Every button and input the widget shows, with its box. */
function controlBoxes(page) {
  return page.evaluate(() => {
    const root = document.querySelector("zapi-connect").shadowRoot;
    return [...root.querySelectorAll("button, input")]
      .filter((control) => control.getClientRects().length > 0)
      .map((control) => {
        const box = control.getBoundingClientRect();
        return { part: control.getAttribute("part"), width: box.width, height: box.height };
      });
  });
}

async function expectTouchSizedControls(page, screen) {
  const boxes = await controlBoxes(page);
  expect(boxes.length, `controls on ${screen}`).toBeGreaterThan(0);
  for (const box of boxes) {
    expect(box.width, `${box.part} width on ${screen}`).toBeGreaterThanOrEqual(44);
    expect(box.height, `${box.part} height on ${screen}`).toBeGreaterThanOrEqual(44);
  }
}

function horizontalOverflow(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
}

for (const [name, { defaultBrowserType, ...profile }] of Object.entries(PHONES)) {
  test(`${name}: phone first, a telephone keypad, touch-sized controls on every screen`, async ({ browser, sim, baseURL }) => {
    const context = await browser.newContext({ ...profile, baseURL });
    const page = await context.newPage();
    const widget = new Widget(page, sim);
    await widget.mount({ interval: "15" });
    // A phone cannot scan a QR code on its own screen: the pairing code comes first.
    await widget.expectState("phone-input");
    await expect(widget.tabs.first()).toHaveAttribute("data-method", "phone");
    await expect(widget.phoneInput).toHaveAttribute("inputmode", "tel");
    await expectTouchSizedControls(page, "phone-input");
    await widget.phoneInput.fill("+55 (11) 91234-5678");
    await widget.phoneInput.press("Enter");
    await expect(widget.getCodeButton).toBeVisible();
    await expectTouchSizedControls(page, "phone-confirm");
    await widget.getCodeButton.tap();
    await widget.expectState("phone-code");
    await expectTouchSizedControls(page, "phone-code");
    await widget.advance(200_000);
    await widget.expectState("code-expired");
    await expectTouchSizedControls(page, "code-expired");
    await widget.tab("qr").tap();
    await widget.expectState("qr");
    await expectTouchSizedControls(page, "qr");
    const first = (await sim.calls())["qr-code"];
    for (let code = 1; code <= 2; code++) {
      await widget.advance(16_000);
      await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(first + code);
    }
    await widget.advance(16_000);
    await widget.expectState("paused");
    await expectTouchSizedControls(page, "paused");
    expect(await horizontalOverflow(page)).toBe(0);
    await context.close();
  });
}

test("320 px wide: no horizontal scroll on the phone, QR and error screens", async ({ browser, sim, baseURL }) => {
  const { defaultBrowserType, ...profile } = devices["iPhone SE"];
  const context = await browser.newContext({ ...profile, viewport: { width: 320, height: 640 }, baseURL });
  const page = await context.newPage();
  const widget = new Widget(page, sim);
  await widget.mount();
  await widget.expectState("phone-input");
  expect(await horizontalOverflow(page)).toBe(0);
  await widget.phoneInput.fill("+55 (11) 91234-5678");
  await widget.phoneInput.press("Enter");
  await widget.getCodeButton.tap();
  await widget.expectState("phone-code");
  expect(await horizontalOverflow(page)).toBe(0);
  await widget.tab("qr").tap();
  await widget.expectState("qr");
  expect(await horizontalOverflow(page)).toBe(0);
  await sim.failure("server_error");
  await page.evaluate(() => document.querySelector("zapi-connect").refresh());
  await widget.expectState("error");
  expect(await horizontalOverflow(page)).toBe(0);
  await expectTouchSizedControls(page, "error");
  await context.close();
});
