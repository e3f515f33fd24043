#!/usr/bin/env python3
"""Send one trace per LLM instrumentation convention to an OTLP/HTTP endpoint, with the real
OpenTelemetry Python SDK and its protobuf HTTP exporter, and print what was sent as JSON.

Used by the Parallax OTLP end-to-end check: start the server, run

    python tests/otel/send_spans.py --endpoint http://127.0.0.1:PORT/v1/traces \
        --api-key KEY --project PROJECT --log-stream STREAM

and read the JSON on stdout: for each convention, the trace id (hex and UUID form), the root
span id, the names, and the tags and metadata the trace is expected to carry. The exit code is
non-zero when any export failed (the exporter itself only logs failures).

The attribute names are the ones each library sets (see shared/otel-conventions.md); the
OpenInference ones come from the real `openinference-semantic-conventions` package. The spans
are made here rather than by the instrumentation libraries themselves, so no model provider is
needed; what reaches the server is byte-for-byte what the SDK's exporter sends.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid

from openinference.semconv.trace import (
    MessageAttributes,
    OpenInferenceMimeTypeValues,
    OpenInferenceSpanKindValues,
    SpanAttributes,
)
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import SpanKind, Status, StatusCode

SCOPE_PREFIX = "parallax.tests."


class RecordingExporter(SpanExporter):
    """Delegates to the real exporter and remembers every result, so the script can fail loudly."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.results: list[SpanExportResult] = []

    def export(self, spans):  # type: ignore[override]
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def ids(span) -> dict:
    ctx = span.get_span_context()
    trace_hex = format(ctx.trace_id, "032x")
    return {
        "trace_id": trace_hex,
        "trace_uuid": str(uuid.UUID(hex=trace_hex)),
        "root_span_id": format(ctx.span_id, "016x"),
    }


def openinference(provider: TracerProvider) -> dict:
    """The issue's acceptance example: tag.tags and a JSON metadata string on a CHAIN span."""
    tracer = provider.get_tracer(SCOPE_PREFIX + "openinference")
    attrs = {
        SpanAttributes.OPENINFERENCE_SPAN_KIND: OpenInferenceSpanKindValues.CHAIN.value,
        SpanAttributes.TAG_TAGS: ["newton", "test"],
        SpanAttributes.METADATA: json.dumps({"field": "physics"}),
        SpanAttributes.INPUT_VALUE: "Explain the following topic succinctly: Newton's First Law",
        SpanAttributes.INPUT_MIME_TYPE: OpenInferenceMimeTypeValues.TEXT.value,
        SpanAttributes.SESSION_ID: "physics-session-1",
    }
    with tracer.start_as_current_span("openinference-acceptance", attributes=attrs) as root:
        prefix_in = SpanAttributes.LLM_INPUT_MESSAGES
        prefix_out = SpanAttributes.LLM_OUTPUT_MESSAGES
        llm_attrs = {
            SpanAttributes.OPENINFERENCE_SPAN_KIND: OpenInferenceSpanKindValues.LLM.value,
            SpanAttributes.LLM_MODEL_NAME: "gpt-4o",
            f"{prefix_in}.0.{MessageAttributes.MESSAGE_ROLE}": "user",
            f"{prefix_in}.0.{MessageAttributes.MESSAGE_CONTENT}": "Newton's First Law?",
            f"{prefix_out}.0.{MessageAttributes.MESSAGE_ROLE}": "assistant",
            f"{prefix_out}.0.{MessageAttributes.MESSAGE_CONTENT}": "An object stays at rest…",
            SpanAttributes.LLM_TOKEN_COUNT_PROMPT: 12,
            SpanAttributes.LLM_TOKEN_COUNT_COMPLETION: 7,
            SpanAttributes.LLM_TOKEN_COUNT_TOTAL: 19,
            SpanAttributes.SESSION_ID: "physics-session-1",
        }
        with tracer.start_as_current_span("ChatCompletion", attributes=llm_attrs, kind=SpanKind.CLIENT):
            pass
        root.set_attribute(SpanAttributes.OUTPUT_VALUE, "An object stays at rest…")
    return {
        **ids(root),
        "convention": "openinference",
        "name": "openinference-acceptance",
        "spans": 2,
        "expect": {"tags": ["newton", "test"], "metadata": {"field": "physics"}},
    }


def genai(provider: TracerProvider) -> dict:
    """OpenTelemetry GenAI semantic conventions, current names (messages as JSON text)."""
    tracer = provider.get_tracer(SCOPE_PREFIX + "gen_ai")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner", "gen_ai.conversation.id": "conv-7"}
    with tracer.start_as_current_span("invoke_agent planner", attributes=agent) as root:
        chat = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Plan a trip"}]}]),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": "Day 1: …"}], "finish_reason": "stop"}]
            ),
            "gen_ai.usage.input_tokens": 9,
            "gen_ai.usage.output_tokens": 30,
        }
        with tracer.start_as_current_span("chat gpt-4o", attributes=chat, kind=SpanKind.CLIENT):
            pass
        tool = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "weather",
            "gen_ai.tool.call.id": "call-1",
            "gen_ai.tool.call.arguments": json.dumps({"city": "Paris"}),
            "gen_ai.tool.call.result": json.dumps({"sky": "clear"}),
        }
        with tracer.start_as_current_span("execute_tool weather", attributes=tool):
            pass
    return {**ids(root), "convention": "gen_ai", "name": "invoke_agent planner", "spans": 3, "expect": {"tags": [], "metadata": {}}}


def openllmetry(provider: TracerProvider) -> dict:
    """Traceloop/OpenLLMetry: a workflow with association properties and a legacy gen_ai.prompt.N chat span."""
    tracer = provider.get_tracer("traceloop.tracer")
    assoc = {
        "traceloop.association.properties.user_id": "user-42",
        "traceloop.association.properties.session_id": "tl-session",
        "traceloop.association.properties.customer_id": "acme",
    }
    workflow = {
        **assoc,
        "traceloop.span.kind": "workflow",
        "traceloop.workflow.name": "joke_generator",
        "traceloop.entity.name": "joke_generator",
        "traceloop.entity.input": json.dumps({"args": [], "kwargs": {"topic": "physics"}}),
        "traceloop.entity.output": json.dumps("Why did the photon…"),
    }
    with tracer.start_as_current_span("joke_generator.workflow", attributes=workflow) as root:
        chat = {
            **assoc,
            "llm.request.type": "chat",
            "gen_ai.system": "OpenAI",
            "gen_ai.request.model": "gpt-3.5-turbo",
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Tell me a physics joke",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Why did the photon…",
            "gen_ai.usage.prompt_tokens": 6,
            "gen_ai.usage.completion_tokens": 11,
            "llm.usage.total_tokens": 17,
        }
        with tracer.start_as_current_span("openai.chat", attributes=chat, kind=SpanKind.CLIENT):
            pass
    return {
        **ids(root),
        "convention": "openllmetry",
        "name": "joke_generator",
        "spans": 2,
        "expect": {"tags": [], "metadata": {"user.id": "user-42", "customer_id": "acme"}},
    }


def langfuse(provider: TracerProvider) -> dict:
    tracer = provider.get_tracer("langfuse-sdk")
    root_attrs = {
        "langfuse.trace.name": "support-bot",
        "langfuse.trace.tags": ["prod", "v2"],
        "langfuse.trace.metadata.promptVersion": "0.0.3",
        "langfuse.user.id": "bob",
        "langfuse.session.id": "lf-session",
        "langfuse.observation.type": "span",
    }
    with tracer.start_as_current_span("handle-request", attributes=root_attrs) as root:
        gen = {
            "langfuse.observation.type": "generation",
            "langfuse.observation.model.name": "claude-3-5-sonnet",
            "langfuse.observation.input": json.dumps([{"role": "user", "content": "hi"}]),
            "langfuse.observation.output": json.dumps({"role": "assistant", "content": "hello"}),
            "langfuse.observation.usage_details": json.dumps({"input": 3, "output": 2, "total": 5}),
            "langfuse.observation.metadata.temperature_bucket": "low",
        }
        with tracer.start_as_current_span("generation", attributes=gen):
            pass
    return {
        **ids(root),
        "convention": "langfuse",
        "name": "support-bot",
        "spans": 2,
        "expect": {"tags": ["prod", "v2"], "metadata": {"user.id": "bob", "promptVersion": "0.0.3"}},
    }


def vercel(provider: TracerProvider) -> dict:
    """Vercel AI SDK legacy spans (normally sent by the JS SDK; the attributes are the same)."""
    tracer = provider.get_tracer("ai")
    telemetry = {
        "ai.telemetry.functionId": "weather-chat",
        "ai.telemetry.metadata.tags": ["web", "beta"],
        "ai.telemetry.metadata.userId": "u-1",
        "ai.telemetry.metadata.sessionId": "v-session",
        "ai.telemetry.metadata.plan": "pro",
    }
    outer = {
        **telemetry,
        "ai.operationId": "ai.generateText",
        "operation.name": "ai.generateText weather-chat",
        "ai.prompt": json.dumps({"prompt": "Weather in Paris?"}),
        "ai.response.text": "Sunny.",
        "ai.usage.promptTokens": 20,
        "ai.usage.completionTokens": 5,
    }
    with tracer.start_as_current_span("ai.generateText", attributes=outer) as root:
        inner = {
            **telemetry,
            "ai.operationId": "ai.generateText.doGenerate",
            "ai.model.id": "gpt-4o-mini",
            "ai.model.provider": "openai.chat",
            "ai.prompt.messages": json.dumps([{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]),
            "ai.response.text": "Sunny.",
            "ai.usage.promptTokens": 20,
            "ai.usage.completionTokens": 5,
        }
        with tracer.start_as_current_span("ai.generateText.doGenerate", attributes=inner, kind=SpanKind.CLIENT):
            pass
    return {
        **ids(root),
        "convention": "vercel",
        "name": "weather-chat",
        "spans": 2,
        "expect": {"tags": ["web", "beta"], "metadata": {"user.id": "u-1", "plan": "pro"}},
    }


def laminar(provider: TracerProvider) -> dict:
    tracer = provider.get_tracer("lmnr.opentelemetry_lib.tracing")
    attrs = {
        "lmnr.span.type": "DEFAULT",
        "lmnr.span.input": json.dumps({"question": "why?"}),
        "lmnr.span.output": json.dumps("because"),
        "lmnr.association.properties.tags": ["laminar"],
        "lmnr.association.properties.metadata.team": "search",
        "lmnr.association.properties.session_id": "lm-session",
        "lmnr.association.properties.user_id": "lm-user",
    }
    with tracer.start_as_current_span("answer", attributes=attrs) as root:
        pass
    return {
        **ids(root),
        "convention": "laminar",
        "name": "answer",
        "spans": 1,
        "expect": {"tags": ["laminar"], "metadata": {"user.id": "lm-user", "team": "search"}},
    }


def mlflow(provider: TracerProvider) -> dict:
    """MLflow JSON-encodes every mlflow.* value, plain strings included."""
    tracer = provider.get_tracer("mlflow.tracing")
    attrs = {
        "mlflow.spanType": json.dumps("CHAIN"),
        "mlflow.spanInputs": json.dumps({"question": "why?"}),
        "mlflow.spanOutputs": json.dumps("because"),
        "mlflow.traceTag.team": json.dumps("ml"),
    }
    with tracer.start_as_current_span("predict", attributes=attrs) as root:
        chat = {
            "mlflow.spanType": json.dumps("CHAT_MODEL"),
            "mlflow.llm.model": json.dumps("gpt-4o"),
            "mlflow.chat.tokenUsage": json.dumps({"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}),
        }
        with tracer.start_as_current_span("chat", attributes=chat):
            pass
    return {**ids(root), "convention": "mlflow", "name": "predict", "spans": 2, "expect": {"tags": [], "metadata": {"team": "ml"}}}


def galileo(provider: TracerProvider) -> dict:
    """The span shapes of galileo's GalileoSpanProcessor (project and stream travel as resource attributes and headers)."""
    tracer = provider.get_tracer("galileo-tracer")
    with tracer.start_as_current_span("galileo-workflow", attributes={"gen_ai.system": "galileo-otel", "galileo.session.id": "g-session"}) as root:
        retriever = {
            "gen_ai.system": "galileo-otel",
            "db.operation": "search",
            "gen_ai.input.messages": json.dumps([{"role": "user", "content": "newton"}]),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "content": json.dumps({"documents": [{"content": "F = ma", "metadata": {}}]})}]
            ),
        }
        with tracer.start_as_current_span("search", attributes=retriever):
            pass
        with tracer.start_as_current_span("failing-step") as failing:
            failing.set_status(Status(StatusCode.ERROR, "boom"))
    return {**ids(root), "convention": "galileo", "name": "galileo-workflow", "spans": 3, "expect": {"tags": [], "metadata": {}}}


def invalid(provider: TracerProvider) -> dict:
    """A span that breaks the tag rule (57 characters): it must be quarantined, not dropped."""
    tracer = provider.get_tracer(SCOPE_PREFIX + "quarantine")
    attrs = {SpanAttributes.TAG_TAGS: ["ok", "x" * 57]}
    with tracer.start_as_current_span("quarantine-example", attributes=attrs) as root:
        pass
    return {
        **ids(root),
        "convention": "quarantine",
        "name": "quarantine-example",
        "spans": 1,
        "expect": {"quarantined": True, "violation": 'attributes["tag.tags"][1]: tag is 57 characters; the limit is 50'},
    }


CONVENTIONS = [openinference, genai, openllmetry, langfuse, vercel, laminar, mlflow, galileo]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="full URL, e.g. http://127.0.0.1:4318/v1/traces")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--log-stream", required=True)
    parser.add_argument("--compression", choices=["none", "gzip", "deflate"], default="none")
    parser.add_argument("--include-invalid", action="store_true", help="also send a span that must be quarantined")
    parser.add_argument("--only", action="append", help="send only these conventions (repeatable)")
    args = parser.parse_args()

    headers = {
        "x-api-key": args.api_key,
        "Galileo-API-Key": args.api_key,
        "x-parallax-project": args.project,
        "project": args.project,
        "x-parallax-log-stream": args.log_stream,
        "logstream": args.log_stream,
    }
    compression = {"none": Compression.NoCompression, "gzip": Compression.Gzip, "deflate": Compression.Deflate}
    exporter = RecordingExporter(
        OTLPSpanExporter(endpoint=args.endpoint, headers=headers, compression=compression[args.compression], timeout=10)
    )
    resource = Resource.create(
        {
            "service.name": "parallax-otel-test",
            "galileo.project.name": args.project,
            "galileo.logstream.name": args.log_stream,
        }
    )
    provider = TracerProvider(resource=resource)
    # One batch for everything, flushed explicitly: a single request, as an app's exporter sends.
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512, schedule_delay_millis=60_000))

    chosen = [c for c in CONVENTIONS if not args.only or c.__name__ in args.only]
    if args.include_invalid:
        chosen.append(invalid)
    sent = [convention(provider) for convention in chosen]
    flushed = provider.force_flush(timeout_millis=30_000)
    provider.shutdown()

    ok = flushed and bool(exporter.results) and all(r == SpanExportResult.SUCCESS for r in exporter.results)
    report = {
        "endpoint": args.endpoint,
        "project": args.project,
        "log_stream": args.log_stream,
        "exports": [r.name for r in exporter.results],
        "ok": ok,
        "traces": sent,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
