package io.dwb.bench.fleet;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The fleet run's scale and timing (bin/bench fleet reads them from DWB_BENCH_FLEET_* variables; the defaults are
 * issue 10's scale).
 *
 * @param hosts              simulated hosts of the generator
 * @param silent             of them, how many go silent (as many pause, half as many publish a gap)
 * @param listeners          real listener processes on fake engines
 * @param forwarders         forwarder processes in one group
 * @param producers          the generator's transactional producers
 * @param interval           heartbeat interval of every host, real and simulated (the listener's default 30 s)
 * @param length             how long events are published (default 17 intervals)
 * @param listenerRate       events a second of each real listener's engine
 * @param baselineWindow     broker load measured with no client
 * @param idleWindow         broker load measured with the idle listeners
 * @param settle             at most this long for every listener to subscribe to its engine (JVM start, topic
 *                           checks, checkpoint lookup)
 * @param forwarderStart     at most this long for the forwarders to start and get their partitions
 * @param restartDelay       from the forwarder's SIGKILL to its restart (a service manager's RestartSec)
 * @param drainTimeout       after the events, how long to wait for every alert
 * @param composeFile        the cluster's compose file
 */
public record FleetSettings(int hosts, int silent, int listeners, int forwarders, int producers, Duration interval,
                            Duration length, double listenerRate, Duration baselineWindow, Duration idleWindow,
                            Duration settle, Duration forwarderStart, Duration restartDelay, Duration drainTimeout,
                            Path composeFile) {}
