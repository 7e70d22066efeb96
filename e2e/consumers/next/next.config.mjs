// The widget calls its relay at `/zapi/...` on the page's own origin; Next.js forwards those
// requests to the relay whose address `ZAPI_RELAY_URL` gives at build time (rewrites are
// written into the build).
const relay = process.env.ZAPI_RELAY_URL;
if (!relay) throw new Error("set ZAPI_RELAY_URL to the relay's address (cargo xtask test does)");

export default {
  // This app sits inside the repository, whose other folders have lockfiles of their own.
  turbopack: { root: import.meta.dirname },
  async rewrites() {
    return [{ source: "/zapi/:path*", destination: `${relay}/zapi/:path*` }];
  },
};
