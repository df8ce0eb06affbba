FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY runner ./runner
RUN pip install . \
 && useradd --system --uid 10001 --create-home --home-dir /srv/pachca-runner runner \
 && install -d -o runner -g runner /data
USER runner
WORKDIR /srv/pachca-runner
# The sample catalogue and templates; mount your own jobs.yaml (and templates/) over them.
RUN pachca-runner init . && pachca-runner validate --offline
ENV PACHCA_RUNNER_CATALOGUE=/srv/pachca-runner/jobs.yaml \
    PACHCA_RUNNER_STATE_URL=sqlite:////data/pachca-runner.db \
    PACHCA_RUNNER_SERVER_HOST=0.0.0.0 \
    PACHCA_RUNNER_SERVER_PORT=8765
VOLUME /data
EXPOSE 8765
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8765/healthz', timeout=4)"]
CMD ["pachca-runner", "run"]
