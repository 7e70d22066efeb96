// Time flows as in Playwright's installed clock, and tests move it on with zapiClock.tickAsync.
// Microtasks stay real: wasm-bindgen's futures run on queueMicrotask.
window.zapiClock = FakeTimers.withGlobal(window).install({
  now: Date.now(),
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"],
  shouldAdvanceTime: true,
});
