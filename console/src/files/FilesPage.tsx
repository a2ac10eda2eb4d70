// Files: upload (the bytes go up as the request body, streamed), the tenant's files a page
// at a time, and for each one download, read (its text and rows) and delete.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { deleteFile, downloadFile, listFiles, processFile, type StoredFile } from "../api/files";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { bytes } from "../workflows/format";
import { FileReading } from "./FileReading";
import { UploadForm } from "./UploadForm";

const when = (t?: string) => (t ? new Date(t).toLocaleString() : "—");

export function FilesPage() {
  const id = useId();
  const queryClient = useQueryClient();
  const files = useInfiniteQuery({
    queryKey: ["files"],
    queryFn: ({ pageParam }) => listFiles(pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["files"] });
  const [reading, setReading] = useState<string>("");
  const readingRef = useRef<HTMLElement>(null);
  const read = useMutation({
    mutationFn: processFile,
    onSuccess: () => setTimeout(() => readingRef.current?.focus(), 0),
  });
  const remove = useMutation({
    mutationFn: (file: StoredFile) => deleteFile(file.id),
    onSuccess: (_, file) => {
      if (reading === file.id) read.reset();
      void refresh();
    },
  });
  const download = useMutation({ mutationFn: downloadFile });
  const rows = files.data?.pages.flatMap((p) => p.files ?? []) ?? [];
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Files</h1>
      <p>
        Files your team uploaded: documents to read, and CSV files or spreadsheets that a workflow can import into a
        table.
      </p>
      <UploadForm onUploaded={refresh} />
      <ErrorBanner error={files.error ?? remove.error ?? download.error} />
      {files.isPending && <p role="status">Loading…</p>}
      <ListTable
        rows={rows.length}
        caption="Files, oldest first"
        columns={["Name", "Type", "Size", "Uploaded"]}
        actions
      >
        {rows.map((file) => (
          <tr key={file.id}>
            <td>{file.name}</td>
            <td>{file.content_type.split(";")[0]}</td>
            <td className="num">{bytes(Number(file.size_bytes))}</td>
            <td>{when(file.create_time)}</td>
            <td className="row-actions">
              <button
                type="button"
                className="secondary small"
                onClick={() => download.mutate(file)}
                aria-label={`Download ${file.name}`}
              >
                Download
              </button>
              <button
                type="button"
                className="secondary small"
                onClick={() => {
                  setReading(file.id);
                  read.mutate(file.id);
                }}
                aria-label={`Read ${file.name}`}
              >
                Read
              </button>
              <button
                type="button"
                className="danger small"
                onClick={() => remove.mutate(file)}
                aria-label={`Delete ${file.name}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {files.data && rows.length === 0 && <p className="empty">No files yet.</p>}
      {files.hasNextPage && (
        <button type="button" className="secondary" onClick={() => files.fetchNextPage()} disabled={files.isFetching}>
          More files
        </button>
      )}
      <ErrorBanner error={read.error} title="The file could not be read." />
      {read.isPending && <p role="status">Reading…</p>}
      {read.data && <FileReading ref={readingRef} reading={read.data} />}
    </section>
  );
}
