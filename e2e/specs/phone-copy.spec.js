import { test, expect } from "../fixtures.js";

test("the copy button puts the code on the clipboard and says so", async ({ widget, sim, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  await widget.copyButton.click();
  await expect(widget.copyStatus).toHaveText("Copied");
  const { phoneCode } = await sim.instance();
  expect(await widget.page.evaluate(() => navigator.clipboard.readText())).toBe(phoneCode);
});

test("a refused clipboard gets a message instead of silence", async ({ widget }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  await widget.page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
  });
  await widget.copyButton.click();
  await expect(widget.copyStatus).toContainText("Could not copy");
});
