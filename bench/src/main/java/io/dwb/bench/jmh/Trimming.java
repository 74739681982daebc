package io.dwb.bench.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.AlertFormatter;
import io.dwb.forwarder.AlertTrimmer;
import io.dwb.forwarder.Classified;
import io.dwb.forwarder.HostRef;
import io.dwb.schemas.ContractJson;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The forwarder's worst single event: a ~1 MB container event whose labels must be trimmed to fit one datagram.
 * {@code labels}: 1,000 labels of up to 2,000 characters (values are cut to a common length), or 10,000 of up to 200
 * (their names alone exceed a datagram: the largest labels are left out). Goal: well under 100 ms per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Trimming {
    @Param({"1000", "10000"})
    public int labels;

    private AlertTrimmer trimmer;
    private Classified.Event event;

    @Setup
    public void setUp() {
        ObjectNode json = ContractJson.MAPPER.createObjectNode().put("Type", "container").put("Action", "create");
        ObjectNode actor = json.putObject("Actor").put("ID", "c0ffee");
        ObjectNode attributes = actor.putObject("Attributes").put("image", "local/busybox:1").put("name", "many");
        int longest = 1_000_000 / labels * 2;
        for (int i = 0; i < labels; i++) {
            attributes.put("com.example.label-" + i, "v".repeat(i * 7919 % longest));
        }
        json.put("scope", "local").put("time", 1_790_000_000L).put("timeNano", 1_790_000_000_000_000_000L);
        event = new Classified.Event(ContractJson.write(json), json, new HostRef("bench-host", "BENCH:JMH"), "id");
        trimmer = new AlertTrimmer(new AlertFormatter());
        if (!(trimmer.datagram(event, Map.of(), false) instanceof AlertTrimmer.Fitted fitted && fitted.truncated())) {
            throw new IllegalStateException("the benchmark's event must be trimmed and fit");
        }
    }

    /** One oversize event to its trimmed datagram. */
    @Benchmark
    public AlertTrimmer.Fit trimOversizeEvent() {
        return trimmer.datagram(event, Map.of(), false);
    }
}
