/** Types of bench/delay-proxy.mjs (the tests start it too). */
export interface DelayProxy {
  url: string;
  port: number;
  connections(): number;
  close(): Promise<void>;
}
export function startDelayProxy(opts: { host?: string; port: number; delayMs: number }): Promise<DelayProxy>;
