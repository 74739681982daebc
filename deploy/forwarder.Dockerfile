# The forwarder on a Java 17 runtime. The build context is forwarder/target, which holds the runnable forwarder.jar and
# its JVM flags (jvm.options, copied there from forwarder/src/main/jvm by the build):
#   mvn -pl forwarder -am package -DskipTests
#   docker build -f deploy/forwarder.Dockerfile -t docker-wazuh-bridge/forwarder forwarder/target
# BASE_IMAGE: any image with java 17+ on the PATH and a POSIX sh (deploy/jre-image/build makes one offline).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
COPY forwarder.jar jvm.options /opt/docker-wazuh-bridge/
# Not root: sending to Wazuh's queue socket (srw-rw---- wazuh:wazuh) needs write permission on it, so run in the
# wazuh group of the host: --build-arg WAZUH_GID="$(getent group wazuh | cut -d: -f3)", or at run time
# `docker run --user 10001:<that gid>` / Compose `user:` (docker-compose.yml does it with WAZUH_GID).
ARG DWB_UID=10001
ARG WAZUH_GID=10001
# Where the Compose deployment mounts its Kafka login (docker-compose.yml, kafka-login): an empty volume takes this
# directory's owner and mode, so the files in it are this user's alone.
RUN mkdir -p /etc/docker-wazuh-bridge/kafka-login && chown ${DWB_UID}:${WAZUH_GID} /etc/docker-wazuh-bridge/kafka-login \
    && chmod 0700 /etc/docker-wazuh-bridge/kafka-login
USER ${DWB_UID}:${WAZUH_GID}
# The JVM flags are bin/forwarder's: forwarder/src/main/jvm/jvm.options, given to java as an argument file; JAVA_OPTS
# replaces them. Options: DWB_* variables (docs/forwarder.md) or arguments after the image name.
# As the launchers: glibc's malloc settings of deploy/malloc.env (docs/deployment.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
ENTRYPOINT ["sh", "-c", "exec java ${JAVA_OPTS:-@/opt/docker-wazuh-bridge/jvm.options} -jar /opt/docker-wazuh-bridge/forwarder.jar \"$@\"", "forwarder"]
