import { defineConfig } from "@playwright/test";
import { sharedSettings, sharedUse } from "./chromium.js";

const baseURL = process.env.ZAPI_E2E_BASE_URL;
if (!baseURL || !process.env.ZAPI_E2E_SIM_URL) {
  throw new Error("run the browser tests with `cargo xtask test`: it starts zapi-sim and zapi-relay");
}

export default defineConfig({
  ...sharedSettings,
  testDir: "./specs",
  use: { ...sharedUse, baseURL },
});
