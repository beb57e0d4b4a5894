/**
 * Schemas of the HTTP bodies and query strings, built from the store's own
 * schemas (src/schemas.ts) so both refuse exactly the same input.
 *
 * @module
 */

import * as v from "valibot";
import { EpochMs, ErrorMessage, Name, NonNegativeMs, PositiveMs, RecordVer, STATUSES } from "../schemas.ts";

/** A query-string number: digits only, then the number schema. */
const queryNumber = <S extends v.GenericSchema<number, number>>(schema: S) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(/^\d{1,16}$/, "must be a non-negative integer"),
    v.transform(Number),
    schema,
  );

/** `GET /tasks` query: the listing filters plus `limit` and `cursor`. */
export const ListQuery = v.object({
  topic: v.optional(Name),
  subTopic: v.optional(Name),
  status: v.optional(v.picklist(STATUSES, `must be one of ${STATUSES.join(", ")}`)),
  from: v.optional(queryNumber(EpochMs)),
  to: v.optional(queryNumber(EpochMs)),
  limit: v.optional(
    queryNumber(v.pipe(v.number(), v.minValue(1, "must be at least 1"), v.maxValue(1000, "must be at most 1000"))),
  ),
  cursor: v.optional(v.string("must be a string")),
});

export const ReserveBody = v.object({ pid: Name, leaseTimeMs: v.optional(PositiveMs) }, "must be a JSON object");
export const ExtendBody = v.object(
  { pid: Name, leaseId: v.optional(Name), leaseTimeMs: v.optional(PositiveMs) },
  "must be a JSON object",
);
export const CompleteBody = v.object({ pid: Name, leaseId: v.optional(Name) }, "must be a JSON object");
export const FailBody = v.object(
  { pid: Name, leaseId: v.optional(Name), errorMessage: v.optional(ErrorMessage) },
  "must be a JSON object",
);
export const SnoozeBody = v.object(
  { pid: Name, leaseId: v.optional(Name), snoozeTime: v.optional(NonNegativeMs) },
  "must be a JSON object",
);
export const RevokeBody = v.object({ recordVer: RecordVer }, "must be a JSON object");
