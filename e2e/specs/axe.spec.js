import AxeBuilder from "@axe-core/playwright";
import { test, expect } from "../fixtures.js";

async function expectNoViolations(page, label) {
  const results = await new AxeBuilder({ page }).include("zapi-connect").analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), label).toEqual([]);
}

test("no axe violations in the QR states", async ({ widget, sim, page }) => {
  await widget.mount({ interval: "10" });
  await widget.expectState("qr");
  await expectNoViolations(page, "qr");
  for (let call = 2; call <= 3; call++) {
    await widget.advance(10_000);
    await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(call);
    // The new code is on screen with its full interval before time moves on.
    await expect.poll(() => widget.countdownSeconds()).toBeGreaterThanOrEqual(9);
  }
  await widget.advance(10_000);
  await widget.expectState("paused");
  await expectNoViolations(page, "paused");
});

test("no axe violations in the phone states", async ({ widget, page }) => {
  await widget.mount({ methods: "phone,qr", "code-ttl": "30" });
  await widget.expectState("phone-input");
  await expectNoViolations(page, "phone-input");
  await widget.phoneInput.fill("123");
  await widget.phoneInput.press("Enter");
  await expect(widget.phoneError).toBeVisible();
  await expectNoViolations(page, "phone-input with an invalid number");
  await widget.phoneInput.fill("11 91234 5678");
  await widget.phoneInput.press("Enter");
  await expect(widget.getCodeButton).toBeVisible();
  await expectNoViolations(page, "phone number confirmation");
  await widget.getCodeButton.click();
  await widget.expectState("phone-code");
  await expectNoViolations(page, "phone-code");
  await widget.advance(30_000);
  await widget.expectState("code-expired");
  await expectNoViolations(page, "code-expired");
});

test("no axe violations when connected", async ({ widget, sim, page }) => {
  await widget.mount();
  await widget.expectState("qr");
  await sim.scan();
  await widget.advance(5_000);
  await widget.expectState("connected");
  await expectNoViolations(page, "connected");
});

test("no axe violations when already connected", async ({ widget, sim, page }) => {
  await sim.scan();
  await widget.mount();
  await widget.expectState("already-connected");
  await expectNoViolations(page, "already-connected");
});

for (const [mode, state] of [
  ["restore_session", "restore-session"],
  ["subscription_expired", "error"],
  ["slow", "loading"],
]) {
  test(`no axe violations in ${state}`, async ({ widget, sim, page }) => {
    await sim.failure(mode, mode === "slow" ? { delay_ms: 5_000 } : {});
    await widget.mount();
    await widget.expectState(state);
    await expectNoViolations(page, state);
  });
}

test("no axe violations when stopped", async ({ widget, page }) => {
  await widget.mount();
  await widget.expectState("qr");
  await widget.element.evaluate((el) => el.stop());
  await expect(page.locator("zapi-connect [part=start-button]")).toBeVisible();
  await expectNoViolations(page, "stopped");
});

test("no axe violations in the dark theme", async ({ widget, page }) => {
  await widget.mount({ theme: "dark", methods: "phone,qr" });
  await widget.expectState("phone-input");
  await expectNoViolations(page, "dark phone-input");
  await widget.tab("qr").click();
  await widget.expectState("qr");
  await expectNoViolations(page, "dark qr");
});
