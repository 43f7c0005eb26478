# The verdictflow services for docker-compose.yml (production-like stacks; not used by CI).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY verdictflow ./verdictflow
COPY workflows ./workflows
COPY activities ./activities
COPY services ./services
COPY infra ./infra
RUN pip install --no-cache-dir ".[postgres]"
USER nobody
ENTRYPOINT ["verdictflow"]
