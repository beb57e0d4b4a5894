/**
 * The one type every piece of the dashboard returns: a fragment of HTML as
 * `hono/html` builds it (everything interpolated is escaped).
 *
 * @module
 */

import type { HtmlEscapedString } from "hono/utils/html";

/** A fragment of HTML as `hono/html` builds it. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
