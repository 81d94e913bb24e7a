# syntax=docker/dockerfile-upstream:master
FROM python:3.10-slim as base
ENV DEBIAN_FRONTEND=noninteractive
FROM base as protobuf-4
RUN --mount=type=cache,target=/root/.cache/pip pip install "protobuf>=4.0,<5.0" "grpcio-tools>=1.41.0"
FROM protobuf-4 as run-grpcio-tools-4
ARG GENERATED_PB4_DIR
RUN mkdir -p /result/${GENERATED_PB4_DIR}
RUN --mount=type=bind,target=.,rw python -m grpc_tools.protoc -I. --python_out=/result/${GENERATED_PB4_DIR} service.proto
FROM scratch as protobuf-4-output
ARG GENERATED_PB4_DIR
COPY --from=run-grpcio-tools-4 /result/${GENERATED_PB4_DIR} /
