package io.dwb.bench.fleet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The brokers' own counters, read over JMX (javax.management, the brokers' remote JMX on loopback): requests
 * handled by request type ({@code kafka.network:type=RequestMetrics,name=RequestsPerSec}, its cumulative
 * {@code Count}, summed over API versions and brokers) and open client connections on the clients' listener
 * ({@code kafka.server:type=socket-server-metrics,listener=EXTERNAL}, {@code connection-count}).
 */
public final class BrokerMetrics implements AutoCloseable {
    /** The compose file's listener for clients outside the Compose network (ours). */
    static final String CLIENT_LISTENER = "EXTERNAL";
    /** Counted again as FetchConsumer or FetchFollower: left out so that no request counts twice. */
    static final String AGGREGATE_FETCH = "Fetch";

    private final List<JMXConnector> connectors = new ArrayList<>();

    public BrokerMetrics(List<Integer> jmxPorts) throws IOException {
        for (int port : jmxPorts) {
            connectors.add(JMXConnectorFactory.connect(new JMXServiceURL(
                    "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi")));
        }
    }

    /** The counters now, over all brokers. */
    public BrokerSample sample(long monotonicNanos) throws IOException {
        Map<String, Long> requests = new TreeMap<>();
        double connections = 0;
        try {
            for (JMXConnector connector : connectors) {
                MBeanServerConnection server = connector.getMBeanServerConnection();
                for (ObjectName name : server.queryNames(
                        new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                    if (AGGREGATE_FETCH.equals(name.getKeyProperty("request"))) {
                        continue;
                    }
                    long count = ((Number) server.getAttribute(name, "Count")).longValue();
                    requests.merge(name.getKeyProperty("request"), count, Long::sum);
                }
                for (ObjectName name : server.queryNames(new ObjectName(
                        "kafka.server:type=socket-server-metrics,listener=" + CLIENT_LISTENER + ",*"), null)) {
                    // Per network processor; the MBeans that also name a client software count per client kind.
                    if (name.getKeyProperty("networkProcessor") != null
                            && name.getKeyProperty("clientSoftwareName") == null) {
                        try {
                            connections += ((Number) server.getAttribute(name, "connection-count")).doubleValue();
                        } catch (javax.management.AttributeNotFoundException e) {
                            // a processor MBean without that metric (yet)
                        }
                    }
                }
            }
        } catch (JMException e) {
            throw new IOException("cannot read the broker metrics: " + e, e);
        }
        return new BrokerSample(monotonicNanos, requests, Math.round(connections));
    }

    @Override
    public void close() throws IOException {
        for (JMXConnector connector : connectors) {
            connector.close();
        }
    }
}
