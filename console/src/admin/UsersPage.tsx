// The team's users: search, change a role, deactivate or reactivate.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useId, useState } from "react";
import { listUsers, updateUser, type User } from "../api/admin";
import { usePrincipal } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";

const ROLES = ["admin", "member", "viewer"];

export function UsersPage() {
  const [search, setSearch] = useState("");
  const deferred = useDeferredValue(search.trim());
  const users = useQuery({ queryKey: ["users", deferred], queryFn: () => listUsers(deferred) });
  const me = usePrincipal();
  const queryClient = useQueryClient();
  const id = useId();
  const change = useMutation({
    mutationFn: ({ user, changes }: { user: User; changes: Partial<User> }) => updateUser(user.id, changes),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Users</h1>
      <div className="field search">
        <label htmlFor={`${id}-search`}>Search by name or email</label>
        <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <ErrorBanner error={users.error ?? change.error} />
      {users.isPending && <p role="status">Loading…</p>}
      <ListTable rows={users.data?.length ?? 0} columns={["Name", "Email", "Role", "Status"]} actions>
        {users.data?.map((user) => {
          const name = user.display_name || `${user.first_name} ${user.last_name}`.trim();
          const self = user.id === me.user_id;
          return (
            <tr key={user.id}>
              <td>
                {name}
                {self && (
                  <span className="muted" title="Another admin changes your own role and status">
                    {" "}
                    (you)
                  </span>
                )}
              </td>
              <td className="nowrap">{user.email}</td>
              <td>
                <select
                  aria-label={`Role of ${user.email}`}
                  value={user.role}
                  disabled={self}
                  onChange={(e) => change.mutate({ user, changes: { role: e.target.value } })}
                >
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{user.is_active ? "active" : <span className="badge-off">deactivated</span>}</td>
              <td>
                {!self && (
                  <button
                    type="button"
                    className={user.is_active ? "danger small" : "secondary small"}
                    onClick={() => change.mutate({ user, changes: { is_active: !user.is_active } })}
                  >
                    {user.is_active ? "Deactivate" : "Reactivate"}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </ListTable>
      {users.data?.length === 0 && <p className="empty">No user matches.</p>}
    </section>
  );
}
