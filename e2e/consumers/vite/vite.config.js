import { defineConfig } from "vite";

// Relative asset URLs: the built app is served from a sub-folder of the relay's static site.
export default defineConfig({ base: "./" });
