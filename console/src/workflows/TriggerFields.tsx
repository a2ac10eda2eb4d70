// The trigger: its kind, and the kind's settings.
import type { RecordChange } from "../api/workflows";
import { BaseTablePicker } from "./BaseTablePicker";
import { RECORD_CHANGES, type TriggerDraft, type TriggerKind } from "./draft";
import { Field, SectionErrors } from "./Field";
import { sentence, TRIGGER, type Placement } from "./placement";

const KINDS: [TriggerKind, string][] = [
  ["manual", "Manual (Run now)"],
  ["schedule", "On a schedule"],
  ["record", "When records change"],
  ["file_uploaded", "When a file is uploaded"],
];

interface Props {
  trigger: TriggerDraft;
  onChange(trigger: TriggerDraft): void;
  placement: Placement;
}

export function TriggerFields({ trigger, onChange, placement }: Props) {
  const set = (changes: Partial<TriggerDraft>) => onChange({ ...trigger, ...changes });
  const at = (field: string) => placement.at(`${TRIGGER}.${trigger.kind}.${field}`);
  return (
    <fieldset className="panel">
      <legend>Trigger</legend>
      <SectionErrors messages={placement.rest(TRIGGER).map((v) => sentence(v.description))} />
      <Field label="Start this workflow" error={placement.at(TRIGGER)}>
        {(control) => (
          <select {...control} value={trigger.kind} onChange={(e) => set({ kind: e.target.value as TriggerKind })}>
            {KINDS.map(([kind, label]) => (
              <option key={kind} value={kind}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {trigger.kind === "schedule" && <ScheduleFields trigger={trigger} set={set} at={at} />}
      {trigger.kind === "record" && <RecordFields trigger={trigger} set={set} at={at} />}
      {trigger.kind === "file_uploaded" && <FileFields trigger={trigger} set={set} at={at} />}
    </fieldset>
  );
}

interface KindProps {
  trigger: TriggerDraft;
  set(changes: Partial<TriggerDraft>): void;
  at(field: string): string | undefined;
}

function ScheduleFields({ trigger, set, at }: KindProps) {
  return (
    <>
      <div className="row">
        <Field label="Cron" error={at("cron")} hint="minute hour day month weekday, e.g. 0 9 * * 1-5">
          {(control) => (
            <input {...control} className="mono" value={trigger.cron} onChange={(e) => set({ cron: e.target.value })} />
          )}
        </Field>
        <Field label="Time zone" error={at("time_zone")} hint="IANA name, e.g. Europe/Paris; UTC when empty">
          {(control) => (
            <input {...control} value={trigger.timeZone} onChange={(e) => set({ timeZone: e.target.value })} />
          )}
        </Field>
      </div>
      <Field label="Missed runs" error={at("catch_up")}>
        {(control) => (
          <select {...control} value={trigger.catchUp} onChange={(e) => set({ catchUp: e.target.value })}>
            <option value="CATCH_UP_POLICY_LATEST">Run the latest missed one once</option>
            <option value="CATCH_UP_POLICY_NONE">Skip them</option>
          </select>
        )}
      </Field>
    </>
  );
}

function RecordFields({ trigger, set, at }: KindProps) {
  const toggle = (change: RecordChange, on: boolean) =>
    set({ changes: on ? [...trigger.changes, change] : trigger.changes.filter((c) => c !== change) });
  const changesError = at("changes");
  return (
    <>
      <BaseTablePicker
        labelPrefix="Trigger"
        baseId={trigger.baseId}
        tableId={trigger.tableId}
        onChange={(baseId, tableId) => set({ baseId, tableId })}
        baseError={at("base_id")}
        tableError={at("table_id")}
      />
      <fieldset className={changesError ? "checks field-invalid" : "checks"}>
        <legend>Start when</legend>
        {RECORD_CHANGES.map(([change, label]) => (
          <label key={change} className="check">
            <input
              type="checkbox"
              checked={trigger.changes.includes(change)}
              onChange={(e) => toggle(change, e.target.checked)}
            />{" "}
            {label}
          </label>
        ))}
        {changesError && <small className="field-error">{changesError}</small>}
      </fieldset>
      <Field
        label="Only records matching (formula, optional)"
        error={at("formula")}
        hint="An Airtable formula, e.g. {Score} > 5; required for “comes to match”"
      >
        {(control) => (
          <input
            {...control}
            className="mono"
            spellCheck={false}
            value={trigger.formula}
            onChange={(e) => set({ formula: e.target.value })}
          />
        )}
      </Field>
    </>
  );
}

function FileFields({ trigger, set, at }: KindProps) {
  return (
    <div className="row">
      <Field label="Extensions" error={at("extensions")} hint="comma separated, e.g. csv, xlsx; any when empty">
        {(control) => (
          <input {...control} value={trigger.extensions} onChange={(e) => set({ extensions: e.target.value })} />
        )}
      </Field>
      <Field label="Content types" error={at("content_types")} hint="e.g. text/csv; any when empty">
        {(control) => (
          <input {...control} value={trigger.contentTypes} onChange={(e) => set({ contentTypes: e.target.value })} />
        )}
      </Field>
      <Field label="Largest size in bytes" error={at("max_size_bytes")} hint="any size when empty">
        {(control) => (
          <input
            {...control}
            inputMode="numeric"
            value={trigger.maxSizeBytes}
            onChange={(e) => set({ maxSizeBytes: e.target.value })}
          />
        )}
      </Field>
    </div>
  );
}
