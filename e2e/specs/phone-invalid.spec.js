import { test, expect } from "../fixtures.js";

test("an invalid number is marked inline and no request is made", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone" });
  await widget.expectState("phone-input");
  await widget.phoneInput.fill("11 81234 5678");
  await widget.phoneSubmit.click();
  await expect(widget.phoneError).toBeVisible();
  await expect(widget.phoneInput).toHaveAttribute("aria-invalid", "true");
  const describedBy = await widget.phoneInput.getAttribute("aria-describedby");
  expect(describedBy.split(" ")).toContain(await widget.phoneError.getAttribute("id"));
  await expect(widget.phoneInput).toHaveValue("11 81234 5678");
  const errors = await widget.events("zapi-error");
  expect(errors.at(-1).detail).toMatchObject({ code: "invalid_phone", retryable: false });
  await widget.advance(10_000);
  expect((await sim.calls())["phone-code"]).toBe(0);
});

test("a number WhatsApp refuses comes back as invalid_phone", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone" });
  // Eight digits pass the widget's E.164 check and the relay's, but not the simulator's.
  await widget.phoneInput.fill("+1 234 5678");
  await widget.phoneInput.press("Enter");
  await widget.getCodeButton.click();
  await expect(widget.phoneError).toBeVisible();
  await widget.expectState("phone-input");
  expect((await sim.calls())["phone-code"]).toBe(1);
  const errors = await widget.events("zapi-error");
  expect(errors.at(-1).detail.code).toBe("invalid_phone");
});
