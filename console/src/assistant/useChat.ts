// Sending a message and reading the streamed answer into the transcript.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { streamChat, type ChatDone } from "../api/chat";
import { applyEvent, type Turn } from "./transcript";

export function useChat(onDone: (done: ChatDone) => void) {
  const [turns, setTurnsState] = useState<Turn[]>([]);
  const turnsRef = useRef<Turn[]>([]);
  const setTurns = useCallback((next: Turn[]) => {
    turnsRef.current = next;
    setTurnsState(next);
  }, []);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const queryClient = useQueryClient();

  useEffect(() => () => abort.current?.abort(), []);

  const send = useCallback(
    async (message: string, sessionId: string, baseId: string) => {
      const controller = new AbortController();
      abort.current = controller;
      setError(null);
      setStreaming(true);
      let current: Turn[] = [
        ...turnsRef.current,
        { role: "user", text: message, toolCalls: [] },
        { role: "assistant", text: "", toolCalls: [] },
      ];
      setTurns(current);
      try {
        for await (const event of streamChat(message, sessionId, baseId, controller.signal)) {
          const next = applyEvent(current, event);
          current = next.turns;
          setTurns(current);
          if (next.done) {
            onDone(next.done);
            void queryClient.invalidateQueries({ queryKey: ["sessions"] });
            void queryClient.invalidateQueries({ queryKey: ["history", next.done.session_id] });
            void queryClient.invalidateQueries({ queryKey: ["costs"] });
            void queryClient.invalidateQueries({ queryKey: ["budgets"] });
          }
        }
      } catch (caught) {
        if (!controller.signal.aborted) {
          setError(caught);
          // Drop the empty answer so the error is what the user sees.
          const last = current[current.length - 1];
          if (last.role === "assistant" && !last.text && !last.toolCalls.length) setTurns(current.slice(0, -1));
        }
      } finally {
        setStreaming(false);
      }
    },
    [onDone, queryClient, setTurns],
  );

  const stop = () => abort.current?.abort();
  return { turns, setTurns, streaming, error, send, stop };
}
