// How every browser run of the project starts Debian's Chromium: as root in a sandbox-less
// container, offline, with nothing trying to reach the internet in the background.
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** What every browser run here shares: one simulator, so one test at a time; Chromium as above. */
export const sharedSettings = {
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
};

export const sharedUse = {
  deviceScaleFactor: 2,
  launchOptions: chromiumLaunchOptions,
};
