// The upload form: one file chosen, sent as the request body; the API's refusal (a kind
// of file not allowed, content that is not what its name says, too large) is shown.
import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { uploadFile } from "../api/files";
import { ErrorBanner } from "../components/ErrorBanner";

export function UploadForm({ onUploaded }: { onUploaded: () => void }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  // One request id per chosen file: pressing Upload again after a lost answer stores nothing new.
  const [requestId, setRequestId] = useState("");
  const [inputKey, setInputKey] = useState(0);
  const upload = useMutation({
    mutationFn: (chosen: File) => uploadFile(chosen, requestId),
    onSuccess: () => {
      setFile(null);
      setInputKey((k) => k + 1); // a new, empty input
      onUploaded();
    },
  });
  return (
    <form
      className="inline-form"
      aria-label="Upload a file"
      onSubmit={(e) => {
        e.preventDefault();
        if (file) upload.mutate(file);
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-file`}>File to upload</label>
        <input
          key={inputKey}
          id={`${id}-file`}
          type="file"
          name="file"
          aria-describedby={`${id}-hint`}
          onChange={(e) => {
            upload.reset();
            setFile(e.target.files?.[0] ?? null);
            setRequestId(crypto.randomUUID());
          }}
        />
        <small id={`${id}-hint`} className="hint">
          Text, CSV, Excel, Word or PDF; the size limit is the operator&apos;s.
        </small>
      </div>
      <button type="submit" disabled={!file || upload.isPending}>
        {upload.isPending ? "Uploading…" : "Upload"}
      </button>
      <ErrorBanner error={upload.error} title="Not uploaded." />
      {upload.data && (
        <p className="notice" role="status">
          Uploaded {upload.data.name}.
        </p>
      )}
    </form>
  );
}
