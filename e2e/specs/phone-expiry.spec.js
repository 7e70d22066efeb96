import { test, expect } from "../fixtures.js";

test("the code stays while valid, expires with its countdown, and a new one comes only on request", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  const first = await widget.shownCode();
  expect(await widget.countdownSeconds()).toBeGreaterThanOrEqual(179);

  await widget.advance(170_000);
  expect(await widget.shownCode()).toBe(first);
  expect((await sim.calls())["phone-code"]).toBe(1);

  await widget.advance(10_000);
  await widget.expectState("code-expired");
  await expect(widget.code).toHaveCount(0);
  const expired = await widget.events("zapi-expired");
  expect(expired.at(-1).detail).toEqual({ kind: "phone" });

  await widget.advance(300_000);
  expect((await sim.calls())["phone-code"]).toBe(1);

  await widget.newCodeButton.click();
  await widget.expectState("phone-code");
  expect((await sim.calls())["phone-code"]).toBe(2);
  expect(await widget.shownCode()).toBe((await sim.instance()).phoneCode);
});

test("code-ttl sets the lifetime", async ({ widget }) => {
  await widget.mount({ methods: "phone", "code-ttl": "60" });
  await widget.requestPhoneCode();
  expect(await widget.countdownSeconds()).toBeLessThanOrEqual(60);
  await widget.advance(60_000);
  await widget.expectState("code-expired");
});
