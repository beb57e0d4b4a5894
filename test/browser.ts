/** What the browser tests share: a server on a free loopback port, and Debian's Chromium (fails, never skips, without it). */
import { serve } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";

/** Serves `fetch` on 127.0.0.1 and a free port: its base URL, and how to close it. */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ base: string; port: number; close(): void }> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch, hostname: "127.0.0.1", port: 0 },
      (info) => resolve({ base: `http://127.0.0.1:${info.port}`, port: info.port, close: () => server.close() }),
    );
  });
}

/** Headless Chromium, quiet (no background traffic), with `extraArgs` (e.g. host-resolver rules). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** How far the page is wider than its viewport (0 or less: nothing spills). */
export const spill = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The elements of `selector` not in full view: outside the viewport, or scrolled out of their scroll box. */
export const hidden = (page: Page, selector: string): Promise<string[]> =>
  page.locator(selector).evaluateAll((els) =>
    els.flatMap((el) => {
      const r = el.getBoundingClientRect();
      const box = el.closest(".scroll")?.getBoundingClientRect() ?? { left: 0, right: window.innerWidth };
      const seen = r.width > 0 && r.left >= Math.max(0, box.left) - 0.5 &&
        r.right <= Math.min(window.innerWidth, box.right) + 0.5;
      return seen ? [] : [`${el.textContent?.trim()} at ${Math.round(r.left)}..${Math.round(r.right)}`];
    })
  );
