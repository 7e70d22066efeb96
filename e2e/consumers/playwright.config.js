import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "../chromium.js";

if (!process.env.ZAPI_E2E_SIM_URL || !process.env.ZAPI_CONSUMER_VITE_URL || !process.env.ZAPI_CONSUMER_NEXT_URL) {
  throw new Error("run the consumer apps' tests with `cargo xtask test`: it builds and serves them");
}

export default defineConfig({
  testDir: ".",
  testMatch: "in-chromium.spec.js",
  // One simulator serves both apps; each test resets it.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    deviceScaleFactor: 2,
    launchOptions: chromiumLaunchOptions,
  },
});
