/** A page's `searchParams` prop as URLSearchParams (repeated keys keep their first value, as the client's reads do). */
export async function readSearchParams(searchParams: Promise<Record<string, string | string[] | undefined>>): Promise<URLSearchParams> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(await searchParams)) if (typeof value === "string") params.set(key, value);
  return params;
}
