package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The broker refused to start when two of its ports came out the same ("two listeners on the same port"): each was
 * picked by a socket closed at once, so the kernel could hand it out again for the next.
 */
class BrokerPortsTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void theThreePortsDifferAndStayTakenUntilReleased() throws IOException {
        int client;
        int controller;
        int internal;
        try (BrokerPorts ports = BrokerPorts.reserve(LOOPBACK, BrokerPorts.ClientPort.asked(0))) {
            client = ports.client();
            controller = ports.controller();
            internal = ports.internal();
            assertThat(Set.of(client, controller, internal)).hasSize(3);
            for (int port : new int[] {client, controller, internal}) {
                assertThatThrownBy(() -> new ServerSocket(port, 1, LOOPBACK).close())
                        .as("port %d is held while reserved", port).isInstanceOf(BindException.class);
            }
        }
        for (int port : new int[] {client, controller, internal}) {
            new ServerSocket(port, 1, LOOPBACK).close();
        }
    }

    @Test
    void anAskedPortIsTheClientPortAndNoneOfTheOthers() throws IOException {
        int asked;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            asked = probe.getLocalPort();
        }
        try (BrokerPorts ports = BrokerPorts.reserve(LOOPBACK, BrokerPorts.ClientPort.asked(asked))) {
            assertThat(ports.client()).isEqualTo(asked);
            assertThat(ports.controller()).isNotEqualTo(asked);
            assertThat(ports.internal()).isNotEqualTo(asked);
        }
    }

    @Test
    void anAskedPortThatIsTakenNamesThePortAndTheOption() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            assertThatThrownBy(() -> BrokerPorts.reserve(LOOPBACK, BrokerPorts.ClientPort.asked(taken.getLocalPort())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(":" + taken.getLocalPort())
                    .hasMessageContaining("--kafka-port");
        }
    }

    @Test
    void theDefaultPortHeldByAnotherProcessGivesWayToAFreeOne() throws IOException {
        // Any local user may hold 127.0.0.1:9092: the standalone then did not start at all.
        try (ServerSocket squatter = new ServerSocket(0, 1, LOOPBACK);
             BrokerPorts ports = BrokerPorts.reserve(LOOPBACK,
                     new BrokerPorts.ClientPort(squatter.getLocalPort(), false))) {
            assertThat(ports.client()).isNotEqualTo(squatter.getLocalPort()).isPositive();
            assertThat(Set.of(ports.client(), ports.controller(), ports.internal())).hasSize(3);
        }
        assertThat(BrokerPorts.ClientPort.DEFAULT).isEqualTo(new BrokerPorts.ClientPort(9092, false));
    }
}
