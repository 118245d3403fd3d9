import { redirect } from "next/navigation";
import { requireArea } from "../../_lib/session";

export default async function SettingsPage() {
  await requireArea("settings", "/settings");
  redirect("/settings/users");
}
