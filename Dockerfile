# syntax=docker/dockerfile:1
#
# The bigfile service: built with the Maven wrapper on a JDK, run on a JRE as a non-root user, from the layers of
# the Spring Boot jar (libraries change far less often than the application, so an update ships a small layer).
#
#   docker build -t bigfile:0.1.0 .
#   docker run --rm --read-only -p 8080:8080 bigfile:0.1.0
#
# The root file system may be read-only: the service writes only to the volumes below. In Kubernetes the Helm
# chart (helm/bigfile) mounts an emptyDir on each and points the service at an external PostgreSQL.

ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:21-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /build
# The wrapper and the POM first, so that the downloaded dependencies stay cached until pom.xml changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY db-migrations db-migrations
COPY src src
# The tests need PostgreSQL and run in CI (.ci/run), not in the image build.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -DskipTests -Dspotless.check.skip=true \
 && java -Djarmode=tools -jar target/bigfile-*.jar extract --layers --destination /extracted \
      --application-filename application.jar

FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="bigfile" \
      org.opencontainers.image.description="Big files in PostgreSQL, served over HTTP with ranges and transactions" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# A fixed numeric user, so that Kubernetes can check runAsNonRoot (the chart runs it as 10001 too).
RUN groupadd --system --gid 10001 bigfile \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin bigfile \
 && mkdir -p /var/lib/bigfile \
 && chown 10001:10001 /var/lib/bigfile

WORKDIR /application
# Least likely to change first. Without --launcher, extract writes application.jar and lib/ (the loader layer
# stays empty): `java -jar application.jar` starts the service and `java -cp application.jar <main class>` runs
# another entry point, such as io.bigfile.MigrateDatabase, which the chart's migration Job runs.
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./

# Everything the service writes: /tmp (Tomcat's work files; the embedded PostgreSQL's binaries) and /var/lib/bigfile:
# the Narayana transaction log (narayana.log-dir), the signed-link key generated when none is configured
# (bigfile.security.links.key-file) and, only when no spring.datasource.url is set (a local run), the
# embedded PostgreSQL's data (bigfile.embedded.data-dir). Environment names are Spring's for those properties.
# G1HeapRegionSize=8m: a 2 MiB block array (the default block size) is then an ordinary object; with smaller
# regions each one is humongous and takes whole regions, 1.5 to 2 times its size, in the cache and in dirty pages.
ENV NARAYANA_LOGDIR=/var/lib/bigfile/narayana \
    BIGFILE_EMBEDDED_DATADIR=/var/lib/bigfile/postgres \
    BIGFILE_SECURITY_LINKS_KEYFILE=/var/lib/bigfile/link-key \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:G1HeapRegionSize=8m"
VOLUME ["/tmp", "/var/lib/bigfile"]

USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "application.jar"]
