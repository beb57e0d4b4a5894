/**
 * Database URLs as error messages may show them: never with a user name, a
 * password or a query (`?authToken=…`), and never the driver's own words
 * about them (which repeat the URL whole).
 *
 * @module
 */

/**
 * `url` without what may be secret: a `file:` URL or `:memory:` as it is
 * (without a query), any other as `scheme://host[:port]/path`.
 *
 * @example
 * ```ts
 * safeUrl("libsql://db.example.turso.io?authToken=abc"); // "libsql://db.example.turso.io"
 * ```
 */
export function safeUrl(url: string): string {
  const bare = url.replace(/[?#].*$/s, "");
  if (bare.startsWith("file:") || bare === ":memory:") return bare;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/]*@)?(.*)$/is.exec(bare);
  if (m) return m[1] + m[2];
  // not a URL: show its start only if it cannot hold credentials
  return /[@:]/.test(bare) ? "(an unreadable URL)" : bare;
}

/** Whether `url` carries a user name or password (`scheme://user:pass@host`). */
export function hasCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
}

/** Why a URL could not be opened, in the store's words (the driver's own text repeats the URL, secrets included). */
export function openFailure(e: unknown, url: string): string {
  const code = String((e as { code?: unknown })?.code ?? "");
  const message = e instanceof Error ? e.message : "";
  if (code === "URL_INVALID") {
    // a bare path ("tasks.db", "./data/tasks.db", "/var/lib/tasks.db"): the scheme is what is missing
    const path = !/^[a-z][a-z0-9+.-]*:/i.test(url) && !hasCredentials(url) && !/[@\s]/.test(url);
    return `it is not a valid database URL${path ? ` (a file is file:${url})` : ""}`;
  }
  if (code === "URL_SCHEME_NOT_SUPPORTED") {
    return "its scheme is not one of file:, libsql:, http:, https:, ws:, wss:";
  }
  if (code === "URL_PARAM_NOT_SUPPORTED") {
    const name = /parameter "([A-Za-z0-9_-]{1,64})"/.exec(message)?.[1];
    return name ? `its query parameter "${name}" is not supported` : "a query parameter is not supported";
  }
  if (url.startsWith("file:")) return "the database file cannot be opened (a missing directory, or no permission)";
  return "the URL cannot be used";
}
