# The listener on a Java 17 runtime. The build context is listener/target, which holds the runnable listener.jar, its
# JVM flags and its class list (jvm.options and listener.classlist, copied there from listener/src/main/jvm by the
# build):
#   mvn -pl listener -am package -DskipTests
#   docker build -f deploy/listener.Dockerfile -t docker-wazuh-bridge/listener listener/target
# BASE_IMAGE: any image with java 17+ on the PATH and a POSIX sh (deploy/jre-image/build makes one offline).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}
COPY listener.jar jvm.options /opt/docker-wazuh-bridge/
# The class archive (bin/support/launch.sh's class_archive; docs/deployment.md): the classes of listener.classlist
# parsed and verified once, here, for this image's java and jar, so that each start maps them (about a second less).
COPY listener.classlist /opt/docker-wazuh-bridge/
RUN java -Xshare:dump -Xlog:disable -Xlog:all=error:stderr \
      -XX:SharedClassListFile=/opt/docker-wazuh-bridge/listener.classlist \
      -XX:SharedArchiveFile=/opt/docker-wazuh-bridge/listener.jsa -cp /opt/docker-wazuh-bridge/listener.jar
# Not root: the listener needs no file of the host. It reads the engine through the allow-list proxy
# (deploy/engine-proxy, a Unix socket in a volume: unix:///run/engine-api/docker.sock). Mounting the engine socket itself instead needs the socket's group:
# `docker run --group-add "$(stat -c %g /var/run/docker.sock)" ...` (full API access: avoid).
ARG DWB_UID=10001
ARG DWB_GID=10001
# Where the Compose deployment mounts its Kafka login, and its broker's data (docker-compose.yml, kafka-login, which
# runs this image first): an empty volume takes the directory's owner and mode, so the files in it are this user's
# alone (the broker runs as this user too).
RUN mkdir -p /etc/docker-wazuh-bridge/kafka-login /var/lib/docker-wazuh-bridge/kafka \
    && chown ${DWB_UID}:${DWB_GID} /etc/docker-wazuh-bridge/kafka-login /var/lib/docker-wazuh-bridge/kafka \
    && chmod 0700 /etc/docker-wazuh-bridge/kafka-login /var/lib/docker-wazuh-bridge/kafka
USER ${DWB_UID}:${DWB_GID}
# The JVM flags are bin/listener's: listener/src/main/jvm/jvm.options, given to java as an argument file; JAVA_OPTS
# replaces them. Options: DWB_* variables (docs/listener.md) or arguments after the image name.
# As the launchers: glibc's malloc settings of deploy/malloc.env (docs/deployment.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
ENTRYPOINT ["sh", "-c", "exec java -XX:SharedArchiveFile=/opt/docker-wazuh-bridge/listener.jsa ${JAVA_OPTS:-@/opt/docker-wazuh-bridge/jvm.options} -jar /opt/docker-wazuh-bridge/listener.jar \"$@\"", "listener"]
