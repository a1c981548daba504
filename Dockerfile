# Dockerfile - llmmeta as a container, for the hosts that build one from the
# repository (Heroku's container stack through heroku.yml, Render through
# render.yaml; docs/deploy.md). Debian 12, as the project is built and tested.
FROM debian:12-slim AS build
WORKDIR /src
COPY scripts/bootstrap.sh scripts/bootstrap.sh
RUN scripts/bootstrap.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make -j2 all

FROM debian:12-slim
# The run-time halves of the libraries the binary links (debian/control's Depends).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates \
	libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 libsodium23 libcurl4 libinih1 libmd4c0 libcjose0 \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/llmmeta /usr/bin/llmmeta
COPY --from=build /src/man/llmmeta.1 /usr/share/man/man1/llmmeta.1
USER nobody
WORKDIR /tmp
ENV BIND=0.0.0.0 PORT=8000 DATA_DIR=/tmp/llmmeta TRUST_PROXY=1
EXPOSE 8000
CMD ["/bin/sh", "-c", "exec llmmeta serve --bind 0.0.0.0 --port ${PORT:-8000}"]
