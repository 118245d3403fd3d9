import { type NextRequest, NextResponse } from "next/server";
import { contentSecurityPolicy } from "@/server/http/security-headers";

/**
 * Every page gets a fresh nonce and a Content-Security-Policy that allows only scripts carrying it: Next.js reads the
 * nonce from the request's policy header and puts it on its own inline bootstrap scripts, so no `unsafe-inline` is
 * needed for scripts. (Pages are rendered per request anyway: they read the session cookie.)
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const policy = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  // API routes answer JSON, protobuf or text, never HTML; static files carry no inline script.
  matcher: [{ source: "/((?!api/|_next/static|_next/image|favicon.ico|icon.svg).*)" }],
};
