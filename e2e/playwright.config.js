import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./chromium.js";

const baseURL = process.env.ZAPI_E2E_BASE_URL;
if (!baseURL || !process.env.ZAPI_E2E_SIM_URL) {
  throw new Error("run the browser tests with `cargo xtask test`: it starts zapi-sim and zapi-relay");
}

export default defineConfig({
  testDir: "./specs",
  // One simulator serves every spec; each test resets it, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    deviceScaleFactor: 2,
    launchOptions: chromiumLaunchOptions,
  },
});
