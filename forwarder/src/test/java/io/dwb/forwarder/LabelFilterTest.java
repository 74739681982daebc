package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code --labels} without a broker: the alert an {@link AlertTrimmer} makes of one event. What the engine sets itself
 * depends on the event's Type and Action ({@link EngineAttributes}); in a container's events, a key named as a volume's
 * or a network's attribute ({@code driver}, {@code container}, {@code type}, ...) is one of its labels, and {@code
 * --labels none} leaves it out. The broker-level test is {@code LabelsOptionTest}.
 */
class LabelFilterTest {
    private static final long T = 1_764_000_000_000_000_001L;
    private static final HostRef HOST = new HostRef("h", "h-id");
    /** Labels named as the engine's attributes of other types' events (volume, network). */
    private static final Map<String, String> OTHER_TYPES_NAMES = Map.of("driver", "{\"a\":1}", "destination", "/etc",
            "type", "overlay", "path", "/secret", "container", "c0ffee");

    @Test
    void noneLeavesOutOfAContainersEventItsLabelsNamedAsOtherTypesAttributes() {
        TreeMap<String, String> labels = new TreeMap<>(OTHER_TYPES_NAMES);
        labels.put("com.example.secret", "s3cr3t");
        ObjectNode started = container("start", labels, Map.of());

        assertThat(attributes(alert(started, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name");
        assertThat(attributes(alert(started, LabelFilter.NONE)).path("name").asText()).isEqualTo("web-1");
    }

    @Test
    void noneKeepsWhatTheEngineSetsForTheAction() {
        ObjectNode died = container("die", OTHER_TYPES_NAMES, Map.of("exitCode", "137", "execDuration", "12"));
        assertThat(attributes(alert(died, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name", "exitCode", "execDuration");

        ObjectNode exec = container("exec_start: sh -c id", OTHER_TYPES_NAMES, Map.of("execID", "e1"));
        assertThat(attributes(alert(exec, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name", "execID");

        ObjectNode killed = container("kill", OTHER_TYPES_NAMES, Map.of("signal", "15"));
        assertThat(attributes(alert(killed, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name", "signal");
    }

    @Test
    void aLabelNamedAsAnotherActionsAttributeIsALabel() {
        ObjectNode started = container("start", Map.of("exitCode", "0", "signal", "9"), Map.of());
        assertThat(attributes(alert(started, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name");
    }

    @Test
    void anAllowListKeepsTheLabelsItNamesWhateverTheirName() {
        ObjectNode started = container("start", OTHER_TYPES_NAMES, Map.of());
        assertThat(attributes(alert(started, LabelFilter.parse("driver, team"))).fieldNames()).toIterable()
                .containsExactlyInAnyOrder("image", "name", "driver");
    }

    @Test
    void volumeAndNetworkEventsAreLeftAsTheEngineWroteThem() {
        ObjectNode created = event("volume", "create");
        ((ObjectNode) created.get("Actor")).putObject("Attributes").put("driver", "local");
        assertThat(alert(created, LabelFilter.NONE).get("docker")).isEqualTo(created);

        ObjectNode connected = event("network", "connect");
        ((ObjectNode) connected.get("Actor")).putObject("Attributes").put("container", "c0ffee").put("name", "bridge")
                .put("type", "bridge");
        assertThat(alert(connected, LabelFilter.NONE).get("docker")).isEqualTo(connected);
    }

    @Test
    void anImagesEventKeepsItsNameAndAPruneItsReclaimedSpace() {
        ObjectNode tagged = event("image", "tag");
        ((ObjectNode) tagged.get("Actor")).putObject("Attributes").put("image", "a label").put("name", "web:1")
                .put("org.opencontainers.image.source", "x");
        assertThat(attributes(alert(tagged, LabelFilter.NONE)).fieldNames()).toIterable()
                .containsExactly("name");

        for (String type : new String[] {"container", "image"}) {
            ObjectNode pruned = event(type, "prune");
            ((ObjectNode) pruned.get("Actor")).putObject("Attributes").put("reclaimed", "1024");
            assertThat(alert(pruned, LabelFilter.NONE).get("docker")).as(type).isEqualTo(pruned);
        }
    }

    @Test
    void aStandInKeepsTheNameAndImageTheListenerKept() {
        ObjectNode standIn = ContractJson.read(StandIn.of(
                new EventIdentity(String.valueOf(T), T, "container", "start", "c0ffee"),
                String.valueOf(T / 1_000_000_000L), new StandIn.Names("web-1", "local/busybox:1"), 2_000_000),
                ObjectNode.class);
        ObjectNode alert = alert(standIn, LabelFilter.NONE);
        assertThat(alert.get("docker")).isEqualTo(standIn);
        assertThat(alert.path("truncated").asBoolean()).isTrue();
    }

    /**
     * What {@code --labels} keeps is what {@link WazuhFieldOrder} puts first, trimming and the field budget keep: in
     * each Action of a container or an image, exactly what the engine sets for it, and a key named as any other
     * Action's or type's attribute stays among the labels, in the engine's order.
     */
    @Test
    void wazuhFieldOrderPutsFirstWhatTheEngineSetsForTheTypeAndActionOnly() {
        for (EngineAttributes type : EngineAttributes.values()) {
            if (!EngineAttributes.labelled(type.type())) {
                continue;
            }
            java.util.List<String> actions = new java.util.ArrayList<>(type.actions());
            actions.addAll(java.util.List.of("start", "exec_start: sh -c id", "tag"));
            for (String action : actions) {
                ObjectNode event = event(type.type(), action);
                TreeMap<String, String> sorted = new TreeMap<>();
                EngineAttributes.EVERY.names().forEach(name -> sorted.put(name, "v"));
                for (int i = 0; i < 300; i++) {
                    sorted.put("com.example.label-" + i, "v");
                }
                ObjectNode attributes = ((ObjectNode) event.get("Actor")).putObject("Attributes");
                sorted.forEach(attributes::put);
                java.util.List<String> own = EngineAttributes.in(type.type(), action).names();
                java.util.List<String> labels = sorted.keySet().stream().filter(k -> !own.contains(k)).toList();

                java.util.List<String> order = new java.util.ArrayList<>();
                WazuhFieldOrder.reordered(event).path("Actor").path("Attributes").fieldNames()
                        .forEachRemaining(order::add);

                java.util.List<String> expected = new java.util.ArrayList<>(own);
                expected.addAll(labels);
                assertThat(order).as(type + " " + action).containsExactlyElementsOf(expected);
            }
        }
        assertThat(EngineAttributes.in("container", "start").names()).containsExactly("name", "image");
        assertThat(EngineAttributes.in("container", "exec_die").names())
                .containsExactly("name", "image", "execID", "exitCode");
    }

    /**
     * A state snapshot's container with 83,685 labels {@code --labels app*} keeps (1 MiB: anyone who may create a
     * container labels it so, and the listener's state part holds it). The kept keys went to Jackson's {@code
     * retain(Collection)} as a list, the key set's {@code retainAll}, a list's {@code contains} for each key: 20-40 s
     * of the delivery thread on this 2-core machine (the audit measured 5 s), paid again at each retry of its state
     * alert (a pacer's wait, a paused socket). Through the iterator it takes 5-13 ms here, the test alone in a cold
     * JVM, two busy processes beside it or not: the bound is wide for a loaded CI machine, a fifth of the broken
     * time. Not a benchmark (those are JMH's): a quadratic blow-up fails it by far.
     */
    @Test
    void aStateContainerOfEightyThousandKeptLabelsIsFilteredInLinearTime() {
        ObjectNode state = ContractJson.MAPPER.createObjectNode();
        ObjectNode container = state.putArray("containers").addObject().put("Id", "c0ffee");
        ObjectNode labels = container.putObject("Labels");
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int i = 0; i < 83_685; i++) {
            labels.put("app" + alphabet.charAt(i % 62) + alphabet.charAt(i / 62 % 62) + alphabet.charAt(i / 3844), "");
        }
        labels.put("com.example.secret", "s3cr3t");
        LabelFilter appOnly = LabelFilter.parse("app*");

        assertTimeoutPreemptively(Duration.ofMillis(1000), () -> appOnly.filterContainers(state),
                "quadratic in the labels kept");

        assertThat(labels.size()).isEqualTo(83_685);
        assertThat(labels.has("com.example.secret")).isFalse();
        assertThat(labels.fieldNames()).toIterable().allMatch(key -> key.startsWith("app"));
    }

    /** A container event of {@code action}, its attributes sorted as the engine writes them. */
    private static ObjectNode container(String action, Map<String, String> labels, Map<String, String> own) {
        ObjectNode event = event("container", action);
        TreeMap<String, String> attributes = new TreeMap<>(labels);
        attributes.putAll(own);
        attributes.put("image", "local/busybox:1");
        attributes.put("name", "web-1");
        ObjectNode sorted = ((ObjectNode) event.get("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        return event;
    }

    private static ObjectNode event(String type, String action) {
        ObjectNode event = ContractJson.MAPPER.createObjectNode();
        event.put("Type", type).put("Action", action);
        event.putObject("Actor").put("ID", "c0ffee");
        event.put("scope", "local").put("time", T / 1_000_000_000L).put("timeNano", T);
        return event;
    }

    private static ObjectNode alert(ObjectNode event, LabelFilter labels) {
        byte[] value = ContractJson.write(event);
        AlertTrimmer.Fitted fitted = new AlertTrimmer(new AlertFormatter(), labels, FieldBudget.DEFAULT)
                .datagram(new Classified.Event(value, event, HOST, "id"), Map.of(), false).fitted();
        return TestRecords.alert(fitted.datagram());
    }

    private static JsonNode attributes(ObjectNode alert) {
        return alert.path("docker").path("Actor").path("Attributes");
    }
}
