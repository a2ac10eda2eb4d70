"""gRPC face of the analytics: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from tablemesh.platform.v1 import analytics_service_pb2 as pb
from tablemesh.platform.v1 import analytics_service_pb2_grpc as pb_grpc

from services.platform.analytics import Analytics, Query
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx


def _figures(values: dict[str, float]) -> pb.PeriodFigures:
    return pb.PeriodFigures(
        records_created=int(values["records_created"]),
        chat_turns=int(values["chat_turns"]),
        input_tokens=int(values["input_tokens"]),
        output_tokens=int(values["output_tokens"]),
        cost_usd=values["cost_usd"],
        active_users=int(values["active_users"]),
        api_calls=int(values["api_calls"]),
    )


class AnalyticsServicer(pb_grpc.AnalyticsServiceServicer):
    def __init__(self, analytics: Analytics) -> None:
        self.analytics = analytics

    async def RecordEvent(
        self, request: pb.RecordEventRequest, context: Ctx
    ) -> pb.RecordEventResponse:
        names = [e.name for e in request.events]
        count = await self.analytics.record_events(current_caller(), names)
        return pb.RecordEventResponse(recorded_count=count)

    async def RecordMetrics(
        self, request: pb.RecordMetricsRequest, context: Ctx
    ) -> pb.RecordMetricsResponse:
        values = [(m.name, m.value) for m in request.metrics]
        count = await self.analytics.record_metrics(current_caller(), values)
        return pb.RecordMetricsResponse(recorded_count=count)

    async def QueryMetrics(
        self, request: pb.QueryMetricsRequest, context: Ctx
    ) -> pb.QueryMetricsResponse:
        query = Query(
            request.metric,
            request.start_time if request.HasField("start_time") else None,
            request.end_time if request.HasField("end_time") else None,
            request.granularity,
            request.user_id,
        )
        series = await self.analytics.query(current_caller(), query)
        points = [pb.MetricPoint(day=d.isoformat(), value=x) for d, x in series.points]
        return pb.QueryMetricsResponse(
            metric=series.metric,
            user_id=series.user_id,
            points=points,
            total=sum(p.value for p in points),
        )

    async def GetUsage(self, request: pb.GetUsageRequest, context: Ctx) -> pb.GetUsageResponse:
        rows, token = await self.analytics.usage(
            current_caller(),
            request.start_time if request.HasField("start_time") else None,
            request.end_time if request.HasField("end_time") else None,
            request.user_id,
            request.page_size,
            request.page_token,
        )
        usage = [
            pb.UserDayUsage(
                user_id=r.user_id,
                day=r.day.isoformat(),
                api_calls=int(r.values["api_calls"]),
                chat_turns=int(r.values["chat_turns"]),
                input_tokens=int(r.values["input_tokens"]),
                output_tokens=int(r.values["output_tokens"]),
                cost_usd=r.values["cost_usd"],
            )
            for r in rows
        ]
        return pb.GetUsageResponse(usage=usage, next_page_token=token)

    async def GetDashboard(
        self, request: pb.GetDashboardRequest, context: Ctx
    ) -> pb.GetDashboardResponse:
        board = await self.analytics.dashboard(current_caller())
        return pb.GetDashboardResponse(
            scope=board.scope,
            day=board.day.isoformat(),
            today=_figures(board.periods[1]),
            last_7_days=_figures(board.periods[7]),
            last_30_days=_figures(board.periods[30]),
            top_tables=[
                pb.TableWrites(
                    base_id=t.base_id, table_id=t.table_id, table_name=t.table_name, writes=t.writes
                )
                for t in board.top_tables
            ],
        )
