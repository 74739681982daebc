package io.dwb.forwarder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds the Wazuh datagrams: {@code 1:Wazuh-Docker:} followed by the alert JSON, as the seed's wodle sent it
 * ({@code {"integration":"docker","docker":<event>}}) plus {@code docker_host} and the bridge's marks. The event's
 * own bytes are spliced in, not re-serialized: the record value is already the compact JSON the engine sent.
 */
public final class AlertFormatter {
    /** Queue {@code 1} (LOCALFILE_MQ), location {@code Wazuh-Docker}: what the seed wodle used. */
    public static final byte[] PREFIX = "1:Wazuh-Docker:".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] EVENT_HEAD = "{\"integration\":\"docker\",\"docker\":".getBytes(StandardCharsets.UTF_8);

    /** The datagram for an engine event; {@code eventJson} is one compact JSON object. */
    public byte[] event(byte[] eventJson, Map<String, String> legacy, HostRef host, boolean replay,
                        boolean truncated) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(eventJson.length + 256);
        out.writeBytes(PREFIX);
        out.writeBytes(EVENT_HEAD);
        if (legacy.isEmpty()) {
            out.writeBytes(eventJson);
        } else {
            // Legacy fields first, where the engine put them; eventJson starts with '{' and is never empty.
            out.write('{');
            legacy.forEach((name, value) -> {
                out.writeBytes(quoted(name));
                out.write(':');
                out.writeBytes(quoted(value));
                out.write(',');
            });
            out.write(eventJson, 1, eventJson.length - 1);
        }
        tail(out, host, replay, truncated);
        return out.toByteArray();
    }

    /** The datagram for one of the bridge's own alerts: {@code docker_bridge} = {@code {"event":<event>, ...fields}}. */
    public byte[] bridge(String event, ObjectNode fields, HostRef host, boolean replay, boolean truncated) {
        ObjectNode bridge = ContractJson.MAPPER.createObjectNode().put("event", event);
        fields.fields().forEachRemaining(field -> {
            if (!field.getKey().equals("event")) {
                bridge.set(field.getKey(), field.getValue());
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        out.writeBytes(PREFIX);
        out.writeBytes("{\"integration\":\"docker\",\"docker_bridge\":".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(ContractJson.write(bridge));
        tail(out, host, replay, truncated);
        return out.toByteArray();
    }

    private static void tail(ByteArrayOutputStream out, HostRef host, boolean replay, boolean truncated) {
        if (host.known()) {
            out.writeBytes(",\"docker_host\":{".getBytes(StandardCharsets.UTF_8));
            if (host.name() != null) {
                out.writeBytes("\"name\":".getBytes(StandardCharsets.UTF_8));
                out.writeBytes(quoted(host.name()));
            }
            if (host.id() != null) {
                if (host.name() != null) {
                    out.write(',');
                }
                out.writeBytes("\"id\":".getBytes(StandardCharsets.UTF_8));
                out.writeBytes(quoted(host.id()));
            }
            out.write('}');
        }
        if (replay) {
            out.writeBytes(",\"replay\":true".getBytes(StandardCharsets.UTF_8));
        }
        if (truncated) {
            out.writeBytes(",\"truncated\":true".getBytes(StandardCharsets.UTF_8));
        }
        out.write('}');
    }

    private static byte[] quoted(String text) {
        try {
            return ContractJson.MAPPER.writeValueAsBytes(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }
}
