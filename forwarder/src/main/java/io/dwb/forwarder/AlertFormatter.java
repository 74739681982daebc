package io.dwb.forwarder;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds the Wazuh datagrams: {@code 1:Wazuh-Docker:} followed by the alert JSON, as the seed's wodle sent it
 * ({@code {"integration":"docker","docker":<event>}}) plus {@code docker_host} and the bridge's marks, which come
 * before the event: Wazuh's JSON decoder keeps an alert's first 256 fields ({@code analysisd.decoder_order_size})
 * and drops the rest, so after a container's 250 labels they were lost (which host, {@code truncated}). The event's
 * own bytes are spliced in, not re-serialized: the record value is already the compact JSON the engine sent. With
 * {@link AlertOwners} other than {@link AlertOwners#NONE}, a host's alerts start with its agent's location instead.
 */
public final class AlertFormatter {
    /** Queue {@code 1} (LOCALFILE_MQ), location {@code Wazuh-Docker}: what the seed wodle used. */
    public static final byte[] PREFIX = AgentLocation.unattributed();

    private static final byte[] INTEGRATION = utf8("{\"integration\":\"docker\"");
    private static final byte[] EVENT_KEY = utf8(",\"docker\":");
    private static final byte[] BRIDGE_KEY = utf8(",\"docker_bridge\":");
    private static final byte[] REPLAY = utf8(",\"replay\":true");
    private static final byte[] TRUNCATED = utf8(",\"truncated\":true");
    private static final byte[] NONE = new byte[0];

    /** What the {@code truncated} mark adds to an alert, in bytes. */
    static final int TRUNCATED_MARK_BYTES = TRUNCATED.length;

    /** The last host's {@code ,"docker_host":{...}}: a partition's records nearly always come from one host. */
    private volatile EncodedHost lastHost = new EncodedHost(HostRef.UNKNOWN, NONE);

    private record EncodedHost(HostRef host, byte[] json) {}

    private final AlertOwners owners;

    /** Every alert unattributed. */
    public AlertFormatter() {
        this(AlertOwners.NONE);
    }

    public AlertFormatter(AlertOwners owners) {
        this.owners = owners;
    }

    /** Lets the owners take changes of their sources into account (see {@link AlertOwners#refresh}). */
    void refresh(long nowNanos) {
        owners.refresh(nowNanos);
    }

    /** The datagram for an engine event; {@code eventJson} is one compact JSON object. */
    public byte[] event(byte[] eventJson, Map<String, String> legacy, HostRef host, boolean replay,
                        boolean truncated) {
        byte[] head = owners.head(host);
        byte[] hostJson = hostJson(host);
        // Legacy fields first, where the engine put them: '{' "name":"value", ... then the event after its '{'.
        byte[] legacyJson = legacy.isEmpty() ? NONE : legacyJson(legacy);
        // With legacy fields the event's own '{' is not copied: the size is exact, so no byte is left unwritten
        // (a NUL after the JSON, which a strict reader of the alert refuses).
        int eventLength = legacyJson.length == 0 ? eventJson.length : legacyJson.length + eventJson.length - 1;
        byte[] out = new byte[head.length + INTEGRATION.length + hostJson.length + (replay ? REPLAY.length : 0)
                + (truncated ? TRUNCATED.length : 0) + EVENT_KEY.length + eventLength + 1];
        int at = put(out, 0, head);
        at = put(out, at, INTEGRATION);
        at = put(out, at, hostJson);
        if (replay) {
            at = put(out, at, REPLAY);
        }
        if (truncated) {
            at = put(out, at, TRUNCATED);
        }
        at = put(out, at, EVENT_KEY);
        if (legacyJson.length == 0) {
            at = put(out, at, eventJson);
        } else {
            at = put(out, at, legacyJson); // starts with the event's '{'
            System.arraycopy(eventJson, 1, out, at, eventJson.length - 1); // eventJson starts with '{', never empty
            at += eventJson.length - 1;
        }
        out[at++] = '}';
        assert at == out.length : "datagram size computed wrong";
        return out;
    }

    /**
     * The fields Wazuh's JSON decoder makes of an event's alert besides the event's own ({@link FieldBudget}):
     * {@code integration}, {@code docker_host}'s, the marks and the legacy fields, as {@link #event} writes them.
     */
    static int fieldsAround(Map<String, String> legacy, HostRef host, boolean replay, boolean truncated) {
        int hostFields = host.known() ? (host.name() != null ? 1 : 0) + (host.id() != null ? 1 : 0) : 0;
        return 1 + hostFields + (replay ? 1 : 0) + (truncated ? 1 : 0) + legacy.size();
    }

    /** The datagram for one of the bridge's own alerts: {@code docker_bridge} = {@code {"event":<event>, ...}}. */
    public byte[] bridge(BridgeAlert event, ObjectNode fields, HostRef host, boolean replay, boolean truncated) {
        ObjectNode bridge = ContractJson.MAPPER.createObjectNode().put("event", event.event());
        fields.fields().forEachRemaining(field -> {
            if (!field.getKey().equals("event")) {
                bridge.set(field.getKey(), field.getValue());
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        out.writeBytes(owners.head(host));
        out.writeBytes(INTEGRATION);
        out.writeBytes(hostJson(host));
        if (replay) {
            out.writeBytes(REPLAY);
        }
        if (truncated) {
            out.writeBytes(TRUNCATED);
        }
        out.writeBytes(BRIDGE_KEY);
        out.writeBytes(ContractJson.write(bridge));
        out.write('}');
        return out.toByteArray();
    }

    /** {@code ,"docker_host":{"name":...,"id":...}}, or nothing for an unknown host. */
    private byte[] hostJson(HostRef host) {
        EncodedHost cached = lastHost;
        if (cached.host() == host || cached.host().equals(host)) {
            return cached.json();
        }
        byte[] json = NONE;
        if (host.known()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64);
            out.writeBytes(utf8(",\"docker_host\":{"));
            if (host.name() != null) {
                out.writeBytes(utf8("\"name\":"));
                out.writeBytes(quoted(host.name()));
            }
            if (host.id() != null) {
                if (host.name() != null) {
                    out.write(',');
                }
                out.writeBytes(utf8("\"id\":"));
                out.writeBytes(quoted(host.id()));
            }
            out.write('}');
            json = out.toByteArray();
        }
        lastHost = new EncodedHost(host, json);
        return json;
    }

    /** {@code {"status":"...","id":"...",} }: the opening of the event object with the legacy fields in it. */
    private static byte[] legacyJson(Map<String, String> legacy) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write('{');
        legacy.forEach((name, value) -> {
            out.writeBytes(quoted(name));
            out.write(':');
            out.writeBytes(quoted(value));
            out.write(',');
        });
        return out.toByteArray();
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string as the mapper writes it, without building a generator for it. */
    private static byte[] quoted(String text) {
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] out = new byte[escaped.length + 2];
        out[0] = '"';
        System.arraycopy(escaped, 0, out, 1, escaped.length);
        out[out.length - 1] = '"';
        return out;
    }
}
