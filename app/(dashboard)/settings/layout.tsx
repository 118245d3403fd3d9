import { PageHeader } from "../../_components/EmptyState";
import { SettingsNav } from "./settings-nav";

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <PageHeader title="Settings">Who can sign in and with which role, the tokens machines use, and the system.</PageHeader>
      <SettingsNav />
      {children}
    </>
  );
}
