/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The FastAPI app serves the build from the Python package, so `pip install` ships the UI.
const outDir = fileURLToPath(new URL("../src/flowai/static", import.meta.url));
// `npm run dev` talks to a `flowai serve` on this address (override with FLOWAI_API).
const api = process.env.FLOWAI_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/v1": { target: api },
      "/theme.css": { target: api },
      "/healthz": { target: api },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
