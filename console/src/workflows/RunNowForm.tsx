// Run now: a manual start with an optional JSON object as the run's input.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { triggerWorkflow, type Workflow } from "../api/workflows";
import { ErrorBanner } from "../components/ErrorBanner";
import { Field } from "./Field";
import { parseInput } from "./runInput";

interface Props {
  workflow: Workflow;
  onStarted(executionId: string): void;
}

export function RunNowForm({ workflow, onStarted }: Props) {
  const [input, setInput] = useState("");
  const [problem, setProblem] = useState("");
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: (value: Record<string, unknown>) => triggerWorkflow(workflow.id!, value),
    onSuccess: (execution) => {
      onStarted(execution.id);
      void queryClient.invalidateQueries({ queryKey: ["executions", workflow.id] });
    },
  });
  return (
    <form
      className="panel run-now"
      aria-label="Run now"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = parseInput(input);
        setProblem(parsed.ok ? "" : parsed.error);
        if (parsed.ok) run.mutate(parsed.value);
      }}
    >
      <Field
        label="Run input (JSON object, optional)"
        error={problem}
        hint="The steps read it as {{trigger.name}}; conditions as {name}."
      >
        {(control) => (
          <textarea
            {...control}
            className="mono"
            rows={2}
            spellCheck={false}
            placeholder='{"Amount": 150}'
            value={input}
            onChange={(e) => setInput(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" disabled={run.isPending}>
        {run.isPending ? "Starting…" : "Run now"}
      </button>
      <ErrorBanner error={run.error} title="Not started." />
    </form>
  );
}
