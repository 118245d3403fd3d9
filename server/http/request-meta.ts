export interface RequestMeta {
  /** The client's address, as the nearest proxy (or Next's own server) reported it in X-Forwarded-For. */
  ip: string;
  userAgent: string | null;
  /** Reached over https (directly or behind a proxy that says so): session cookies then carry Secure. */
  secure: boolean;
}

export function describeRequest(headers: Headers, url?: string): RequestMeta {
  // Next's server fills X-Forwarded-For with the socket's address when the request has none; behind a proxy the
  // last entry is the one that proxy appended, the only one not written by the client.
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return {
    ip: forwarded.at(-1) ?? "unknown",
    userAgent: headers.get("user-agent"),
    secure: proto ? proto === "https" : url?.startsWith("https:") === true,
  };
}
