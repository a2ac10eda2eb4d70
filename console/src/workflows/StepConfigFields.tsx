// A step's settings, by its type.
import { BaseTablePicker } from "./BaseTablePicker";
import type { StepDraft } from "./draft";
import { Field } from "./Field";
import { example } from "./recordsJson";

interface Props {
  step: StepDraft;
  /** "Step 2", to tell this step's inputs from the others'. */
  label: string;
  set(changes: Partial<StepDraft>): void;
  at(configField: string): string | undefined;
}

const QUOTES = "Quote the run's data as {{trigger.fields.Name}} or {{steps.0.output.records.0.id}}.";

export function StepConfigFields({ step, label, set, at }: Props) {
  switch (step.type) {
    case "log":
      return (
        <Field label={`${label} message`} error={at("message")} hint={QUOTES}>
          {(control) => <input {...control} value={step.message} onChange={(e) => set({ message: e.target.value })} />}
        </Field>
      );
    case "notify":
      return (
        <>
          <Field label={`${label} notification title`} error={at("title")}>
            {(control) => <input {...control} value={step.title} onChange={(e) => set({ title: e.target.value })} />}
          </Field>
          <Field label={`${label} notification body`} error={at("body")} hint={QUOTES}>
            {(control) => (
              <textarea {...control} rows={3} value={step.body} onChange={(e) => set({ body: e.target.value })} />
            )}
          </Field>
        </>
      );
    case "delay":
      return (
        <Field label={`${label} seconds to wait`} error={at("seconds")} hint="1 to 86400">
          {(control) => (
            <input
              {...control}
              inputMode="numeric"
              value={step.seconds}
              onChange={(e) => set({ seconds: e.target.value })}
            />
          )}
        </Field>
      );
    case "condition":
      return (
        <Field
          label={`${label} formula`}
          error={at("formula")}
          hint="An Airtable formula over the trigger's data, e.g. {Amount} > 100: when false the run ends here."
        >
          {(control) => (
            <input
              {...control}
              className="mono"
              spellCheck={false}
              value={step.formula}
              onChange={(e) => set({ formula: e.target.value })}
            />
          )}
        </Field>
      );
    case "create_records":
    case "update_records":
      return (
        <>
          <BaseTablePicker
            labelPrefix={label}
            baseId={step.baseId}
            tableId={step.tableId}
            onChange={(baseId, tableId) => set({ baseId, tableId })}
            baseError={at("base_id")}
            tableError={at("table_id")}
          />
          <Field
            label={`${label} records (JSON)`}
            error={at("records")}
            hint={`1 to 10 records, e.g. ${example(step.type)}`}
          >
            {(control) => (
              <textarea
                {...control}
                className="mono"
                rows={4}
                spellCheck={false}
                value={step.records}
                onChange={(e) => set({ records: e.target.value })}
              />
            )}
          </Field>
        </>
      );
  }
}
