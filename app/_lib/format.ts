/**
 * Dates in tables are shown in UTC with a fixed pattern: the server renders them before the browser hydrates, and a
 * locale- or zone-dependent format would differ between the two.
 */
export function formatUtc(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
