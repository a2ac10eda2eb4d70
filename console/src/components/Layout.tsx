// The frame of every signed-in page: a skip link, the navigation (admin pages only for
// admins), who is signed in, and sign-out.
import { NavLink, Outlet, useNavigate } from "react-router";
import { isAdmin, useAuth, usePrincipal } from "../auth/AuthProvider";

export function Layout() {
  const principal = usePrincipal();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const onSignOut = async () => {
    await signOut().catch(() => undefined);
    navigate("/signin", { replace: true });
  };
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">tablemesh</span>
        <nav aria-label="Main">
          <NavLink to="/bases">Bases</NavLink>
          <NavLink to="/workflows">Workflows</NavLink>
          <NavLink to="/files">Files</NavLink>
          <NavLink to="/assistant">Assistant</NavLink>
          <NavLink to="/usage">Usage</NavLink>
          {isAdmin(principal) && <NavLink to="/admin">Team &amp; admin</NavLink>}
          <a href="/docs">API reference</a>
        </nav>
        <div className="account">
          <NavLink to="/account" className="whoami" title="Your account">
            {principal.email} <span className="role-badge">{principal.role}</span>
          </NavLink>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
