// The user's chat sessions, newest first; a new chat starts without one.
import { Link, NavLink } from "react-router";
import type { ChatSession } from "../api/chat";
import { ErrorBanner } from "../components/ErrorBanner";

export function SessionList({
  sessions,
  current,
  error,
}: {
  sessions: ChatSession[];
  current: string;
  error: unknown;
}) {
  return (
    <nav aria-label="Chat sessions" className="sessions">
      <h2>Sessions</h2>
      <Link to="/assistant" className="button-link" aria-current={current ? undefined : "page"}>
        New chat
      </Link>
      <ErrorBanner error={error} />
      <ul>
        {sessions.map((s) => (
          <li key={s.id}>
            <NavLink to={`/assistant/${s.id}`}>
              <span className="session-title">{s.title || "Untitled"}</span>
              <span className="muted">
                {s.message_count ?? 0} messages · {usd(s.usage?.cost_usd)}
              </span>
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function usd(value: number | undefined): string {
  const v = value ?? 0;
  return `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`;
}
