// One tool call, collapsed to its name; opened, its arguments and result.
import type { ToolCall } from "../api/chat";

export function ToolCallCard({ call }: { call: ToolCall }) {
  return (
    <details className={call.is_error ? "tool-card tool-error" : "tool-card"}>
      <summary>
        <span className="tool-label">Tool call</span> <code>{call.name}</code>
        {call.is_error && <span className="tool-failed"> failed</span>}
      </summary>
      <h4>Arguments</h4>
      <pre>{JSON.stringify(call.arguments ?? {}, null, 2)}</pre>
      <h4>Result</h4>
      <pre>{prettyResult(call.result ?? "")}</pre>
    </details>
  );
}

function prettyResult(result: string): string {
  try {
    return JSON.stringify(JSON.parse(result), null, 2);
  } catch {
    return result;
  }
}
