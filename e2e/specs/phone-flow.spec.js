import { test, expect } from "../fixtures.js";

test("a typed number gets the simulator's pairing code, and linking turns the widget to connected", async ({ widget, sim }) => {
  await widget.mount();
  await widget.expectState("qr");
  await widget.tab("phone").click();
  await widget.expectState("phone-input");
  await expect(widget.tab("phone")).toHaveAttribute("aria-selected", "true");
  // Focus stays on the chosen tab, as in the ARIA tabs pattern.
  await expect(widget.tab("phone")).toBeFocused();

  await widget.phoneInput.fill("+55 (11) 91234-5678");
  await widget.phoneInput.press("Enter");
  // The normalized number is shown before anything is asked for.
  await expect(widget.phoneNumber).toContainText("+55 11 91234-5678");
  expect((await sim.calls())["phone-code"]).toBe(0);

  await widget.getCodeButton.click();
  await widget.expectState("phone-code");
  const { phoneCode } = await sim.instance();
  expect(phoneCode).toMatch(/^[A-Z0-9]{8}$/);
  await expect(widget.code).toHaveText(`${phoneCode.slice(0, 4)}-${phoneCode.slice(4)}`);
  await expect(widget.base).toContainText("Link with phone number instead");
  expect((await sim.calls())["phone-code"]).toBe(1);
  const codes = await widget.events("zapi-code");
  expect(codes.at(-1).detail.kind).toBe("phone");
  expect(codes.at(-1).detail.expiresAt).toBeGreaterThan(await widget.page.evaluate(() => Date.now()));

  await sim.scan();
  await widget.advance(5_000);
  await widget.expectState("connected");
  const connected = await widget.events("zapi-connected");
  expect(connected).toHaveLength(1);
  expect(connected[0].detail).toEqual({ alreadyConnected: false });
  expect((await sim.calls())["phone-code"]).toBe(1);
});

test("methods=phone,qr puts the phone tab first and opens on it", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone,qr" });
  await widget.expectState("phone-input");
  await expect(widget.tabs.first()).toHaveAttribute("data-method", "phone");
  const calls = await sim.calls();
  expect(calls["qr-code"]).toBe(0);
  // Arrow keys move between the tabs.
  await widget.tab("phone").focus();
  await widget.page.keyboard.press("ArrowRight");
  await widget.expectState("qr");
  await expect(widget.tab("qr")).toBeFocused();
});

test("methods=qr shows no tabs and no phone option", async ({ widget }) => {
  await widget.mount({ methods: "qr" });
  await widget.expectState("qr");
  await expect(widget.tabs).toHaveCount(0);
});

test("a different number goes back to the input", async ({ widget }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode("11 91234 5678");
  await widget.changeNumberButton.click();
  await widget.expectState("phone-input");
  await expect(widget.phoneInput).toHaveValue("+55 11 91234-5678");
});

test.describe("on a small touch screen", () => {
  test.use({ viewport: { width: 390, height: 800 }, hasTouch: true, isMobile: true });

  test("the phone code is the default", async ({ widget }) => {
    await widget.mount();
    await widget.expectState("phone-input");
    await expect(widget.tabs.first()).toHaveAttribute("data-method", "phone");
  });
});
