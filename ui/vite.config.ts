import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `baton serve` serves the build; `npm run dev` proxies the API to a running one.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/v1": "http://127.0.0.1:8000" },
  },
  build: { chunkSizeWarningLimit: 1200, sourcemap: false },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
