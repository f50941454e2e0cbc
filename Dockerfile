# mocksrv in a container. Build: docker build -t mocksrv .
# Run:   docker run -p 127.0.0.1:8080:8080 -e MOCKSRV_ADMIN_TOKEN="<your token>" -v "$PWD/my-fixtures:/fixtures:ro" mocksrv
# Configure with MOCKSRV_* variables (docs/demo.md); arguments after the image name are
# `mocksrv serve` flags, e.g. `docker run ... mocksrv --strict --dialect openai`.

# Stage 1: build wheels (mocksrv and its dependencies) so the final image carries no sources.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY mocksrv ./mocksrv
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Stage 2: the runtime image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/mocksrv-*.whl \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 mocksrv \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin mocksrv \
    && mkdir /fixtures \
    && chown 10001:10001 /fixtures

# Listening on every interface of the container is what makes it reachable; mocksrv then wants
# MOCKSRV_ADMIN_TOKEN set (the control API and the inspector page would be open otherwise).
# Mount your fixture and scenario files at /fixtures (several dirs: join them with ":").
ENV MOCKSRV_HOST=0.0.0.0 \
    MOCKSRV_PORT=8080 \
    MOCKSRV_FIXTURES=/fixtures

USER 10001:10001
WORKDIR /fixtures
EXPOSE 8080
# No curl in slim images: the health probe is Python's own urllib (/_mock/health needs no token).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_mock/health' % os.environ.get('MOCKSRV_PORT', '8080'), timeout=2)"]
ENTRYPOINT ["mocksrv", "serve"]
CMD []
