// The console's build. `npm run build` writes console/dist, which the console service
// serves through Envoy at `/`. In development, `npm run dev` proxies the API to a running
// mesh's Envoy (TABLEMESH_GATEWAY, default http://localhost:8000) so the app is same-origin
// with the API, as it is when served by the mesh.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const gateway = process.env.TABLEMESH_GATEWAY ?? "http://localhost:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // A strict `'self'` CSP: no inline scripts, no data: URLs for small assets.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": { target: gateway, changeOrigin: false },
      "/docs": { target: gateway, changeOrigin: false },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
