// Written by `cargo xtask api` from src/api.rs (the one table of the element's API): edit
// that file and run the command, not this one.

/** The attributes the element observes. */
export const ATTRIBUTES = ["relay", "interval", "qr-format", "methods", "default-country", "code-ttl", "lang", "theme", "token", "credentials", "extension-url", "allow-disconnect"];

/**
 * The properties that mirror an attribute (not HTMLElement's own, such as `lang`):
 * `[property, attribute]`, for whole numbers `[property, attribute, min, max, default]`, and for
 * booleans (on when present) `[property, attribute, "boolean"]`.
 */
export const PROPERTIES = [
  ["relay", "relay"],
  ["interval", "interval", 10, 20, 15],
  ["qrFormat", "qr-format"],
  ["methods", "methods"],
  ["defaultCountry", "default-country"],
  ["codeTtl", "code-ttl", 30, 600, 180],
  ["theme", "theme"],
  ["token", "token"],
  ["credentials", "credentials"],
  ["extensionUrl", "extension-url"],
  ["allowDisconnect", "allow-disconnect", "boolean"],
];
