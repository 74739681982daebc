package io.dwb.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Realistic engine events for the benchmarks: the shapes recorded from Engine 26.1 (API 1.45) in
 * {@code recorded-shapes.ndjson}, with varied container ids, names, images and times, and the Compose labels real
 * containers carry (the engine copies container labels into {@code Actor.Attributes}), so each event is 400-700
 * bytes as on a Compose host. Deterministic for a seed; {@link #event(int)} is the i-th event of the sequence, with
 * {@code timeNano} strictly increasing by {@code stepNanos} from {@code firstTimeNano}. A pool of {@value #POOL}
 * distinct events is built once and event i is pool entry {@code i % POOL} with its own time patched in (a million
 * events in a second or two; building each from scratch would take the bench's whole budget).
 */
public final class EventShapes {
    public static final int MIN_BYTES = 400;
    public static final int MAX_BYTES = 700;

    private static final HexFormat HEX = HexFormat.of();
    private static final String[] PROJECTS = {"shop", "billing", "auth", "search", "metrics", "mail"};
    private static final String[] SERVICES = {"web", "api", "worker", "db", "cache", "proxy", "cron"};

    private final List<ObjectNode> shapes;
    private final long firstTimeNano;
    private final long stepNanos;
    private final long seed;
    private final String[] containerIds = new String[400];
    static final int POOL = 2048;
    private final byte[][] pool = new byte[POOL][];
    private final String[][] identity = new String[POOL][];

    public EventShapes(long seed, long firstTimeNano, long stepNanos) {
        this.shapes = recorded();
        this.firstTimeNano = firstTimeNano;
        this.stepNanos = stepNanos;
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < containerIds.length; i++) {
            containerIds[i] = hex(random, 32);
        }
        for (int i = 0; i < POOL; i++) {
            byte[] json = build(i);
            int tail = lastIndexOf(json, TIME_FIELD);
            pool[i] = Arrays.copyOf(json, tail);
            try {
                ObjectNode e = (ObjectNode) ContractJson.tree(json);
                identity[i] = new String[] {e.path("Type").asText(), e.path("Action").asText(),
                        e.path("Actor").path("ID").asText()};
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    private static final byte[] TIME_FIELD = "\"time\":".getBytes(StandardCharsets.US_ASCII);

    /** The index-th event, compact JSON as the engine writes it (without the newline). */
    public byte[] event(int index) {
        return event(index, timeNano(index));
    }

    /** The index-th event's shape with the time {@code t} (nanoseconds since the epoch) instead of its own. */
    public byte[] event(int index, long t) {
        byte[] head = pool[index % POOL];
        byte[] tail = ("\"time\":" + t / 1_000_000_000L + ",\"timeNano\":" + t + "}")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] json = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, json, head.length, tail.length);
        return json;
    }

    /** Type, Action and Actor.ID of the index-th event (what its event id is made of, with timeNano). */
    public String[] identity(int index) {
        return identity[index % POOL];
    }

    private static int lastIndexOf(byte[] data, byte[] part) {
        outer:
        for (int i = data.length - part.length; i >= 0; i--) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("no time field in a recorded shape");
    }

    /** The recorded engine events the generated ones are made from. */
    public static List<ObjectNode> recorded() {
        List<ObjectNode> list = new ArrayList<>();
        try (InputStream in = EventShapes.class.getResourceAsStream("recorded-shapes.ndjson");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    list.add((ObjectNode) ContractJson.tree(line.getBytes(StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return list;
    }

    public long timeNano(int index) {
        return firstTimeNano + index * stepNanos;
    }

    private byte[] build(int index) {
        // SplittableRandom mixes neighbouring seeds well (java.util.Random's first values for seeds n, n+1 are alike).
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        ObjectNode e = shapes.get(random.nextInt(shapes.size())).deepCopy();
        int c = random.nextInt(containerIds.length);
        String project = PROJECTS[c % PROJECTS.length];
        String service = SERVICES[c % SERVICES.length];
        String name = project + "-" + service + "-" + (c % 9 + 1);
        String image = "registry.example.com/" + project + "/" + service + ":1." + (c % 20) + "." + (c % 7);
        String containerId = containerIds[c];
        long t = timeNano(index);
        boolean container = "container".equals(e.path("Type").asText());
        ObjectNode actor = (ObjectNode) e.get("Actor");
        ObjectNode attributes = (ObjectNode) actor.get("Attributes");
        Map<String, String> attrs = new TreeMap<>(); // the engine writes attributes sorted by name
        attributes.fields().forEachRemaining(f -> attrs.put(f.getKey(), f.getValue().asText()));
        if (container) {
            if (e.has("id")) {
                e.put("id", containerId);
            }
            if (e.has("from")) {
                e.put("from", image);
            }
            actor.put("ID", containerId);
            attrs.put("image", image);
            attrs.put("name", name);
            if (attrs.containsKey("execID")) {
                attrs.put("execID", hex(random, 32));
            }
        } else {
            actor.put("ID", hex(random, 32));
            attrs.put("container", containerId);
            attrs.put("name", project + "_default");
        }
        int target = MIN_BYTES + random.nextInt(MAX_BYTES - MIN_BYTES - 60);
        Iterator<Map.Entry<String, String>> labels = composeLabels(random, project, service, c).entrySet().iterator();
        byte[] json = write(e, actor, attrs, t);
        while (json.length < target && labels.hasNext()) {
            Map.Entry<String, String> label = labels.next();
            attrs.put(label.getKey(), label.getValue());
            byte[] bigger = write(e, actor, attrs, t);
            if (bigger.length > MAX_BYTES) {
                attrs.remove(label.getKey());
                break;
            }
            json = bigger;
        }
        return json;
    }

    private static byte[] write(ObjectNode e, ObjectNode actor, Map<String, String> attrs, long t) {
        ObjectNode attributes = actor.putObject("Attributes");
        attrs.forEach(attributes::put);
        e.put("time", t / 1_000_000_000L);
        e.put("timeNano", t);
        return ContractJson.write(e);
    }

    private static Map<String, String> composeLabels(SplittableRandom random, String project, String service, int c) {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        labels.put("com.docker.compose.project", project);
        labels.put("com.docker.compose.service", service);
        labels.put("com.docker.compose.container-number", String.valueOf(c % 9 + 1));
        labels.put("com.docker.compose.oneoff", "False");
        labels.put("com.docker.compose.version", "2.29.7");
        labels.put("com.docker.compose.config-hash", hex(random, 32));
        labels.put("com.docker.compose.project.working_dir", "/srv/" + project);
        labels.put("com.docker.compose.project.config_files", "/srv/" + project + "/compose.yaml");
        labels.put("com.docker.compose.depends_on", "db:service_started:false");
        labels.put("org.opencontainers.image.source", "https://git.example.com/" + project + "/" + service);
        labels.put("org.opencontainers.image.revision", hex(random, 20));
        return labels;
    }

    private static String hex(SplittableRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HEX.formatHex(b);
    }
}
