// The test pages, served by the relay from the site it already serves (beside the packed bundle).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const PAGE_DIR = new URL("./page/", import.meta.url).pathname;
export const PAGES = {
  fixture: "/engines/fixture.html",
  strictCsp: "/engines/strict-csp.html",
  withoutConstructedSheets: "/engines/without-constructed-sheets.html",
};

/** Writes the pages and their scripts into `siteDir/engines/`. */
export function publishTestPage(siteDir) {
  const target = join(siteDir, "engines");
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(PAGE_DIR)) copyFileSync(join(PAGE_DIR, file), join(target, file));
  writeFileSync(join(target, "fake-timers.js"), fakeTimersScript());
}

/**
 * @sinonjs/fake-timers as a classic script: the package ships only its CommonJS module, which
 * in a browser reads one thing from its dependencies, the global object.
 */
function fakeTimersScript() {
  const source = readFileSync(require.resolve("@sinonjs/fake-timers"), "utf8");
  return `(function () {
  var module = { exports: {} };
  var exports = module.exports;
  function require(name) {
    if (name === "@sinonjs/commons") return { global: globalThis };
    throw new Error(name + " is not available in a browser");
  }
${source}
  globalThis.FakeTimers = module.exports;
})();
`;
}
