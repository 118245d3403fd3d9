import { z } from "zod";

/**
 * A row id as procedures take it: a serial column is a Postgres `integer`, so anything past 2^31 − 1 is no row, and
 * must be refused as bad input rather than reach the database as an overflow.
 */
export const RowId = z.number().int().positive().max(2_147_483_647, "No row has an id that large.");

/** An instant in epoch milliseconds that a JavaScript Date (and a Postgres timestamptz) can hold. */
export const EpochMs = z.number().int().nonnegative().max(8_640_000_000_000_000, "That time is past the last date a timestamp can hold.");
