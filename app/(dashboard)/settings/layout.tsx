import { PageHeader } from "../../_components/EmptyState";
import { SettingsNav } from "./settings-nav";

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <PageHeader title="Settings">
        Who can sign in and with which role, the tokens machines use, what Flightdeck scrapes, where cache clusters and buckets live, who did what,
        and the system.
      </PageHeader>
      <SettingsNav />
      {children}
    </>
  );
}
