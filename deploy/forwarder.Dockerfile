# The forwarder on a Java 17 runtime. The build context is forwarder/target, which holds the runnable forwarder.jar:
#   mvn -pl forwarder -am package -DskipTests
#   docker build -f deploy/forwarder.Dockerfile -t docker-wazuh-bridge/forwarder forwarder/target
# BASE_IMAGE: any image with java 17+ on the PATH and a POSIX sh (deploy/jre-image/build makes one offline).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
COPY forwarder.jar /opt/docker-wazuh-bridge/forwarder.jar
# Not root: sending to Wazuh's queue socket (srw-rw---- wazuh:wazuh) needs write permission on it, so run in the
# wazuh group of the host: --build-arg WAZUH_GID="$(getent group wazuh | cut -d: -f3)", or at run time
# `docker run --user 10001:<that gid>` / Compose `user:` (docker-compose.yml does it with WAZUH_GID).
ARG DWB_UID=10001
ARG WAZUH_GID=10001
USER ${DWB_UID}:${WAZUH_GID}
# As bin/forwarder: a small heap and the serial collector; override with JAVA_OPTS. Options: DWB_* variables
# (docs/forwarder.md) or arguments after the image name.
ENV JAVA_OPTS="-XX:+UseSerialGC -Xms72m -Xmx72m -Xmn40m -XX:MaxMetaspaceSize=64m -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/docker-wazuh-bridge/forwarder.jar \"$@\"", "forwarder"]
