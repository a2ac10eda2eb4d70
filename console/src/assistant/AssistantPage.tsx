// Chat with a base: the answer streams in, tool calls show as cards; sessions with their
// history on the side, with costs and budgets.
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { getHistory, listSessions, type ChatDone } from "../api/chat";
import { listBases } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { CostPanel } from "./CostPanel";
import { isModelMissing } from "./modelMissing";
import { SessionList } from "./SessionList";
import { ToolCallCard } from "./ToolCallCard";
import { turnsFromHistory } from "./transcript";
import { useChat } from "./useChat";

export function AssistantPage() {
  const { sessionId = "" } = useParams();
  const navigate = useNavigate();
  const bases = useQuery({ queryKey: ["bases"], queryFn: listBases });
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: listSessions });
  const [baseId, setBaseId] = useState("");
  const [draft, setDraft] = useState("");
  const ids = useId();
  const justAnswered = useRef("");
  const onDone = useCallback(
    (done: ChatDone) => {
      if (done.session_id && done.session_id !== sessionId) {
        justAnswered.current = done.session_id;
        navigate(`/assistant/${done.session_id}`, { replace: true });
      }
    },
    [navigate, sessionId],
  );
  const chat = useChat(onDone);
  // The session just answered shows the streamed transcript; any other one (or this one
  // when the user comes back to it) is read from its history.
  const shownSession = useRef(sessionId);
  if (shownSession.current !== sessionId) {
    shownSession.current = sessionId;
    if (sessionId !== justAnswered.current) justAnswered.current = "";
  }
  const history = useQuery({
    queryKey: ["history", sessionId],
    queryFn: () => getHistory(sessionId),
    enabled: Boolean(sessionId) && justAnswered.current !== sessionId,
  });
  const { setTurns } = chat;
  useEffect(() => {
    if (!sessionId) setTurns([]);
  }, [sessionId, setTurns]);
  useEffect(() => {
    if (history.data) setTurns(turnsFromHistory(history.data));
  }, [history.data, setTurns]);
  const session = sessions.data?.find((s) => s.id === sessionId);
  const chosenBase = session?.base_id || baseId || bases.data?.[0]?.id || "";

  return (
    <div className="assistant">
      <aside className="assistant-side" aria-label="Sessions and costs">
        <SessionList sessions={sessions.data ?? []} current={sessionId} error={sessions.error} />
        <CostPanel sessionId={sessionId} />
      </aside>
      <section className="chat" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`}>{session?.title || "Assistant"}</h1>
        <div className="chat-base">
          <label htmlFor={`${ids}-base`}>Base</label>
          <select
            id={`${ids}-base`}
            value={chosenBase}
            disabled={Boolean(session) || chat.streaming}
            onChange={(e) => setBaseId(e.target.value)}
          >
            {(bases.data ?? []).map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
        <ErrorBanner error={history.error} />
        <ol className="transcript" aria-live="polite" aria-busy={chat.streaming}>
          {chat.turns.length === 0 && (
            <li className="empty">Ask about the base: what is in it, totals, records to add or change.</li>
          )}
          {chat.turns.map((turn, i) => (
            <li key={i} className={`turn turn-${turn.role}`}>
              <span className="visually-hidden">{turn.role === "user" ? "You:" : "Assistant:"}</span>
              {turn.toolCalls.map((call, j) => (
                <ToolCallCard key={j} call={call} />
              ))}
              {turn.text && <p className="turn-text">{turn.text}</p>}
              {turn.role === "assistant" && !turn.text && chat.streaming && i === chat.turns.length - 1 && (
                <p className="muted" role="status">
                  Thinking…
                </p>
              )}
            </li>
          ))}
        </ol>
        {isModelMissing(chat.error) ? (
          <div className="error-banner" role="alert">
            <strong>No model is configured.</strong> The assistant needs a language model; an operator sets one when
            starting the mesh.
            <p className="mono">{chat.error.message}</p>
          </div>
        ) : (
          <ErrorBanner error={chat.error} fields={["message"]} title="The message was not answered:" />
        )}
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault();
            const text = draft.trim();
            if (!text || chat.streaming) return;
            setDraft("");
            void chat.send(text, sessionId, chosenBase);
          }}
        >
          <label htmlFor={`${ids}-message`}>Message</label>
          <textarea
            id={`${ids}-message`}
            rows={3}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
            placeholder="Ask the assistant… (Enter sends, Shift+Enter for a new line)"
          />
          <div className="actions">
            {chat.streaming ? (
              <button type="button" className="secondary" onClick={chat.stop}>
                Stop
              </button>
            ) : (
              <button type="submit" disabled={!draft.trim()}>
                Send
              </button>
            )}
          </div>
        </form>
      </section>
    </div>
  );
}
