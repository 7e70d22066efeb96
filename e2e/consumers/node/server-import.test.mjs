// A server render (Next.js, Nuxt, SvelteKit, Astro) imports the package in Node, where there is no
// DOM: the import must neither throw nor define anything. Run as
// `node --test server-import.test.mjs` with ZAPI_PACKAGE_DIR set to the unpacked tarball.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const packageDir = process.env.ZAPI_PACKAGE_DIR;
assert.ok(packageDir, "set ZAPI_PACKAGE_DIR to the unpacked zapi-connect tarball");
const entry = pathToFileURL(path.join(packageDir, "index.js")).href;

test("plain Node has no DOM, as on a server", () => {
  assert.equal(typeof globalThis.HTMLElement, "undefined");
  assert.equal(typeof globalThis.customElements, "undefined");
  assert.equal(typeof globalThis.document, "undefined");
});

test("importing the package throws nothing and defines nothing", async () => {
  const before = new Set(Object.getOwnPropertyNames(globalThis));
  const zapi = await import(entry);
  assert.equal(typeof zapi.define, "function");
  assert.equal(typeof zapi.ready, "function");
  assert.equal(typeof zapi.ZapiConnect, "function");
  const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
  assert.deepEqual(added, [], "the import added globals");
  assert.equal(typeof globalThis.customElements, "undefined");
});

test("define() without a DOM does nothing", async () => {
  const zapi = await import(entry);
  assert.doesNotThrow(() => zapi.define());
  assert.doesNotThrow(() => zapi.define("my-zapi-connect"));
  assert.equal(typeof globalThis.customElements, "undefined");
});
