import { ready } from "zapi-connect";

// The element is defined by the import; `ready()` resolves once its WebAssembly has loaded.
ready().then(() => document.body.setAttribute("data-wasm", "ready"));
