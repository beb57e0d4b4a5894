/**
 * The cross-site attacks of test/http.cross-site.browser.test.ts (a real
 * Chromium, every write route and dashboard form from another site, framing,
 * a rebound name, the CSP) against routes whose store is a D1 database in
 * workerd (miniflare): the same file, its store chosen by
 * SOKKA_CROSS_SITE_STORE, its tests collected into this file.
 */
process.env.SOKKA_CROSS_SITE_STORE = "d1";
await import("./http.cross-site.browser.test.ts");
