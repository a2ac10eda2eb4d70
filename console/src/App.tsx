// The console's routes.
import { Navigate, Route, Routes } from "react-router";
import { AdminLayout } from "./admin/AdminLayout";
import { ApiKeysPage } from "./admin/ApiKeysPage";
import { AuditPage } from "./admin/AuditPage";
import { HealthPage } from "./admin/HealthPage";
import { InvitationsPage } from "./admin/InvitationsPage";
import { SagasPage } from "./admin/SagasPage";
import { UsersPage } from "./admin/UsersPage";
import { WebhooksPage } from "./admin/WebhooksPage";
import { WorkspacesPage } from "./admin/WorkspacesPage";
import { UsagePage } from "./analytics/UsagePage";
import { AssistantPage } from "./assistant/AssistantPage";
import { RequireAuth } from "./auth/guards";
import { Layout } from "./components/Layout";
import { AcceptInvitationPage } from "./pages/AcceptInvitationPage";
import { AccountPage } from "./pages/AccountPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { SignInPage } from "./pages/SignInPage";
import { SignUpPage } from "./pages/SignUpPage";
import { FilesPage } from "./files/FilesPage";
import { BasePage } from "./tables/BasePage";
import { BasesPage } from "./tables/BasesPage";
import { WorkflowEditorPage } from "./workflows/WorkflowEditorPage";
import { WorkflowPage } from "./workflows/WorkflowPage";
import { WorkflowsPage } from "./workflows/WorkflowsPage";

export function App() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/signup" element={<SignUpPage />} />
      <Route path="/invite" element={<AcceptInvitationPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/bases" replace />} />
        <Route path="bases" element={<BasesPage />} />
        <Route path="bases/:baseId" element={<BasePage />} />
        <Route path="bases/:baseId/tables/:tableId" element={<BasePage />} />
        <Route path="workflows" element={<WorkflowsPage />} />
        <Route path="workflows/new" element={<WorkflowEditorPage />} />
        <Route path="workflows/:workflowId" element={<WorkflowPage />} />
        <Route path="workflows/:workflowId/edit" element={<WorkflowEditorPage />} />
        <Route path="files" element={<FilesPage />} />
        <Route path="assistant" element={<AssistantPage />} />
        <Route path="assistant/:sessionId" element={<AssistantPage />} />
        <Route path="usage" element={<UsagePage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="admin" element={<AdminLayout />}>
          <Route index element={<Navigate to="users" replace />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="invitations" element={<InvitationsPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="workspaces" element={<WorkspacesPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="sagas" element={<SagasPage />} />
          <Route path="health" element={<HealthPage />} />
          <Route path="audit" element={<AuditPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
