import { test, expect } from "../fixtures.js";

test("a hidden tab makes no relay calls, and an expired QR is replaced the moment it shows", async ({ widget, sim }) => {
  await widget.mount({ interval: "15" });
  await widget.expectState("qr");
  await widget.setHidden(true);
  const before = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(before);

  await widget.setHidden(false);
  await expect.poll(async () => (await sim.calls())["qr-code"]).toBe(before["qr-code"] + 1);
  await widget.expectState("qr");
  expect(await widget.countdownSeconds()).toBeGreaterThanOrEqual(14);
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("a phone code past its lifetime while hidden shows as expired", async ({ widget, sim }) => {
  await widget.mount({ methods: "phone" });
  await widget.requestPhoneCode();
  await widget.setHidden(true);
  const before = await sim.calls();
  await widget.advance(200_000);
  expect(await sim.calls()).toEqual(before);
  await widget.setHidden(false);
  await widget.expectState("code-expired");
  expect((await sim.calls())["phone-code"]).toBe(before["phone-code"]);
});
