// Who may change workflows: members and admins (a viewer reads them only; the API
// refuses a viewer's writes with 403 anyway).
import type { Principal } from "../api/auth";

export function canEditWorkflows(principal: Pick<Principal, "role">): boolean {
  return principal.role === "admin" || principal.role === "member";
}
