import { defineConfig } from "@playwright/test";
import { sharedSettings, sharedUse } from "../chromium.js";

if (!process.env.ZAPI_E2E_SIM_URL || !process.env.ZAPI_CONSUMER_VITE_URL || !process.env.ZAPI_CONSUMER_NEXT_URL) {
  throw new Error("run the consumer apps' tests with `cargo xtask test`: it builds and serves them");
}

export default defineConfig({
  ...sharedSettings,
  testDir: ".",
  testMatch: "in-chromium.spec.js",
  use: sharedUse,
});
