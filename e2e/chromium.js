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
