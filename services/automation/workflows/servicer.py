"""gRPC face of the workflows API: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from tablemesh.automation.v1 import workflows_service_pb2 as pb
from tablemesh.automation.v1 import workflows_service_pb2_grpc as pb_grpc

from services.automation.workflows.convert import execution_pb, workflow_of, workflow_pb
from services.automation.workflows.domain import Workflows
from services.runtime.identity import current_caller
from services.runtime.structs import dict_of
from services.runtime.wire import Ctx


class WorkflowsServicer(pb_grpc.WorkflowsServiceServicer):
    def __init__(self, workflows: Workflows) -> None:
        self.workflows = workflows

    async def CreateWorkflow(
        self, request: pb.CreateWorkflowRequest, context: Ctx
    ) -> pb.CreateWorkflowResponse:
        created = await self.workflows.create(
            current_caller(), workflow_of(request.workflow), request.request_id
        )
        return pb.CreateWorkflowResponse(workflow=workflow_pb(created))

    async def GetWorkflow(
        self, request: pb.GetWorkflowRequest, context: Ctx
    ) -> pb.GetWorkflowResponse:
        found = await self.workflows.get(current_caller(), request.workflow_id)
        return pb.GetWorkflowResponse(workflow=workflow_pb(found))

    async def ListWorkflows(
        self, request: pb.ListWorkflowsRequest, context: Ctx
    ) -> pb.ListWorkflowsResponse:
        found, token = await self.workflows.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListWorkflowsResponse(
            workflows=[workflow_pb(w) for w in found], next_page_token=token
        )

    async def UpdateWorkflow(
        self, request: pb.UpdateWorkflowRequest, context: Ctx
    ) -> pb.UpdateWorkflowResponse:
        changed = await self.workflows.update(
            current_caller(), workflow_of(request.workflow), list(request.update_mask.paths)
        )
        return pb.UpdateWorkflowResponse(workflow=workflow_pb(changed))

    async def DeleteWorkflow(
        self, request: pb.DeleteWorkflowRequest, context: Ctx
    ) -> pb.DeleteWorkflowResponse:
        await self.workflows.delete(current_caller(), request.workflow_id)
        return pb.DeleteWorkflowResponse()

    async def TriggerWorkflow(
        self, request: pb.TriggerWorkflowRequest, context: Ctx
    ) -> pb.TriggerWorkflowResponse:
        execution = await self.workflows.trigger(
            current_caller(), request.workflow_id, dict_of(request.input), request.request_id
        )
        return pb.TriggerWorkflowResponse(execution=execution_pb(execution))

    async def ListExecutions(
        self, request: pb.ListExecutionsRequest, context: Ctx
    ) -> pb.ListExecutionsResponse:
        found, token = await self.workflows.executions(
            current_caller(), request.workflow_id, request.page_size, request.page_token
        )
        return pb.ListExecutionsResponse(
            executions=[execution_pb(e) for e in found], next_page_token=token
        )

    async def GetExecution(
        self, request: pb.GetExecutionRequest, context: Ctx
    ) -> pb.GetExecutionResponse:
        found = await self.workflows.execution(
            current_caller(), request.workflow_id, request.execution_id
        )
        return pb.GetExecutionResponse(execution=execution_pb(found))

    async def RetryExecution(
        self, request: pb.RetryExecutionRequest, context: Ctx
    ) -> pb.RetryExecutionResponse:
        execution = await self.workflows.retry(
            current_caller(), request.workflow_id, request.execution_id, request.from_start
        )
        return pb.RetryExecutionResponse(execution=execution_pb(execution))
