import type { Metadata } from "next";
import { cookies } from "next/headers";
import { TRPCReactProvider } from "./_trpc/client";
import { parseTheme, THEME_COOKIE } from "./_lib/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Flightdeck", template: "%s · Flightdeck" },
  description: "GPU utilization, data-loading stalls, egress cost and per-prediction explanations in one place.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The theme is read on the server so the first paint already has it: no flash of the wrong colours.
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" data-theme={theme === "system" ? undefined : theme}>
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
