# The verdictflow services for docker-compose.yml (production-like stacks; not used by CI).
# Two stages: the project's wheel is built as `pip wheel --no-deps .` builds it for the
# tests (tests/unit/test_production_files.py), then installed with the postgres extra and
# the exact pins of pyproject.toml. The services run as an unprivileged numeric user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY verdictflow ./verdictflow
COPY workflows ./workflows
COPY activities ./activities
COPY services ./services
COPY infra ./infra
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
# One wheel in /wheels (the build stage made only ours); its dependencies are pinned exactly.
RUN pip install --no-cache-dir "$(ls /wheels/verdictflow-*.whl)[postgres]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /var/lib/verdictflow verdictflow \
    && mkdir -p /var/lib/verdictflow \
    && chown 10001 /var/lib/verdictflow
# A named volume mounted here starts with this directory's owner: the user below can write
# its keys, logs and state.
ENV VF_STATE_DIR=/var/lib/verdictflow
WORKDIR /var/lib/verdictflow
USER 10001
ENTRYPOINT ["verdictflow"]
