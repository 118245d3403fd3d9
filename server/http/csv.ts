/**
 * A spreadsheet-safe CSV text cell: quoted when it holds a quote, comma, line break or apostrophe, and a leading
 * `=`, `+`, `-`, `@`, tab or carriage return defused with an apostrophe so no spreadsheet runs it as a formula.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
