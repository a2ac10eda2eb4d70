// The admin pages' own navigation, under the admin guard.
import { NavLink, Outlet } from "react-router";
import { RequireAdmin } from "../auth/guards";

const LINKS = [
  ["users", "Users"],
  ["invitations", "Invitations"],
  ["api-keys", "API keys"],
  ["workspaces", "Workspaces"],
  ["webhooks", "Webhooks"],
  ["sagas", "Onboarding sagas"],
  ["health", "Mesh health"],
  ["audit", "Audit log"],
] as const;

export function AdminLayout() {
  return (
    <RequireAdmin>
      <div className="admin">
        <nav aria-label="Team and admin" className="subnav">
          {LINKS.map(([to, label]) => (
            <NavLink key={to} to={to}>
              {label}
            </NavLink>
          ))}
        </nav>
        <Outlet />
      </div>
    </RequireAdmin>
  );
}
