package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.StandIn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps every datagram within what Wazuh takes of one: {@link #MAX_DATAGRAM} bytes, prefix included. A longer one is
 * cut by analysisd's {@code recv} (its JSON breaks) or refused whole by wazuh-agentd. Trims the largest {@code
 * Actor.Attributes} values (labels are what grows) and marks the alert {@code "truncated":true}; an event that still
 * does not fit cannot be delivered. The identity fields are cut first, to the listener's stand-in bound, when one is
 * longer: an {@code exec_start} Action holds the whole command line, and the legacy {@code status} repeats it, so a
 * command of 33,000 characters left no alert at all (rule 87907 matches the Action's start, which is kept). The
 * listener's stand-in for an event over Kafka's limit (its own {@code "truncated": true}) is marked the same way.
 * Before it is measured, an event loses the labels {@code --labels} leaves out ({@link LabelFilter}), one with
 * hundreds of attributes is written in {@link WazuhFieldOrder}'s order, and one with more fields than Wazuh's JSON
 * decoder takes loses the labels past them ({@link FieldBudget}, {@code --max-fields}), marked truncated. Before
 * those, it loses the labels whose key Wazuh's indexer refuses ({@link IndexerKeys}), marked truncated too.
 *
 * <p>Linear in the event's size (plus one sort): every label longer than one common cap is cut to it, the cap chosen
 * from the labels' encoded sizes so that just the excess goes; the largest labels lose the most, labels under the
 * cap are kept whole. The engine's own attributes (those it sets in the event's Type and Action, {@link
 * EngineAttributes}) are never cut to the cap, only to the identity fields' bound: thousands of small labels brought
 * the cap to a few bytes, and the container's name and image arrived empty. A container label named as a volume's
 * attribute ({@code driver}, {@code path}) is a label, cut with the others. When even empty labels leave too much
 * (thousands of them: their names alone can exceed a datagram), whole attributes are left out instead, the largest
 * labels first and the engine's own attributes last, and the others kept whole, in their order. Trimming one value
 * per serialization, as before, was quadratic: seconds for a 1 MB event with thousands of labels.
 */
public final class AlertTrimmer {
    /** Wazuh's {@code OS_MAXSTR}: its buffers for one message, ending NUL included. */
    private static final int OS_MAXSTR = 65536;
    /**
     * The longest origin the manager's remoted writes before an agent's event, with its {@code ->}: {@code "[id]
     * (name) ip"}, an id of up to 8 digits, a name of up to 128 characters (Wazuh's bound), an IPv6 address with its
     * prefix length and each {@code :} escaped as {@code |:} (50).
     */
    private static final int REMOTED_ORIGIN_MAX = 1 + 8 + 3 + 128 + 2 + 50 + 2;
    /**
     * What reaches analysisd whole of one queue datagram, on the longest path. wazuh-agentd forwards up to {@code
     * OS_MAXSTR - OS_HEADER_SIZE} (65,408; a longer one it refuses whole, logging "Incorrect message size" once an
     * hour, while the forwarder counted it sent), and the manager's remoted then writes the agent's origin before it
     * into {@code OS_MAXSTR} bytes ending with a NUL ({@code SendMSG}'s {@code snprintf}), cutting the rest silently:
     * the JSON broken, no rule fired. An alert of 65,408 bytes lost its end from an agent name of about 113
     * characters (70 with an IPv6 address), so one with labels that size could hide its own container's start.
     * analysisd on a manager reads up to 65536 bytes: this bound fits every path.
     */
    public static final int MAX_DATAGRAM = OS_MAXSTR - 1 - REMOTED_ORIGIN_MAX;

    /** The event's fields that may hold text of any length besides its attributes (the Action: a command line). */
    private static final List<String> IDENTITY_FIELDS = List.of("Action", "status", "id", "from");

    /**
     * Serializations of the trimmed event at most. The arithmetic counts the bytes Jackson writes, so the first
     * nearly always fits; another covers a miscount (a character escaped other than expected).
     */
    private static final int MAX_ATTEMPTS = 4;

    /** {@code "":} and {@code ,} around an attribute's name and value. */
    private static final int ENTRY_OVERHEAD = 4;


    private final AlertFormatter formatter;
    private final LabelFilter labels;
    private final FieldBudget fields;
    private final int limit;

    /** With every label kept, within Wazuh's default field budget. */
    public AlertTrimmer(AlertFormatter formatter) {
        this(formatter, LabelFilter.ALL, FieldBudget.DEFAULT);
    }

    public AlertTrimmer(AlertFormatter formatter, LabelFilter labels, FieldBudget fields) {
        this(formatter, labels, fields, MAX_DATAGRAM);
    }

    AlertTrimmer(AlertFormatter formatter, LabelFilter labels, FieldBudget fields, int limit) {
        this.formatter = formatter;
        this.labels = labels;
        this.fields = fields;
        this.limit = limit;
    }

    /** What {@link #datagram} made of an event: its datagram, or why it has none. */
    public sealed interface Fit permits Fitted, Unfit {
        /** The datagram; an {@link IllegalStateException} saying why when there is none. */
        Fitted fitted();
    }

    /** A datagram that fits, and whether attributes were trimmed or left out for it. */
    public record Fitted(byte[] datagram, boolean truncated) implements Fit {
        @Override
        public Fitted fitted() {
            return this;
        }
    }

    /** An event no alert can be made of: the dead-letter reason, and what is wrong with it. */
    public record Unfit(DeadLetterReason reason, String error) implements Fit {
        @Override
        public Fitted fitted() {
            throw new IllegalStateException(reason.code() + ": " + error);
        }
    }

    /** The datagram for {@code event}, trimmed if needed; unfit when no trimming of attributes makes it fit. */
    public Fit datagram(Classified.Event event, Map<String, String> legacy, boolean replay) {
        // The listener's stand-in for an event longer than Kafka takes lost its attributes already: say so too.
        boolean standIn = event.fields().truncated();
        ObjectNode rewritten = null; // the event as the alert gives it, when not as the engine wrote it
        int attributeCount = event.fields().attributes();
        if (labels.applies(event.fields().type())) {
            ObjectNode filtered = event.json();
            if (labels.filter(filtered)) {
                rewritten = filtered;
                attributeCount = filtered.path("Actor").path("Attributes").size();
            }
        }
        // A label key Wazuh's indexer refuses (x..y, 17 parts) made it refuse every alert of its container: left out,
        // and said. The streaming read checked every key, so an ordinary event builds no tree for it.
        boolean marked = standIn;
        if (event.fields().indexerRefusedKey()) {
            ObjectNode checked = rewritten != null ? rewritten : event.json();
            if (IndexerKeys.leaveOut(checked)) {
                rewritten = checked;
                attributeCount = checked.path("Actor").path("Attributes").size();
                marked = true;
            }
        }
        // Hundreds of labels, or one Wazuh reads as the container's name: the engine's own attributes first.
        if (WazuhFieldOrder.needed(attributeCount, event.fields().lookalikeAttribute())) {
            rewritten = WazuhFieldOrder.reordered(rewritten != null ? rewritten : event.json());
        }
        // More fields than Wazuh's decoder takes: the labels past them are left out here, not by analysisd with an
        // ERROR line each. The count as written is the tree's (no key is given twice: EventFields), so an ordinary
        // event builds no tree for it.
        int around = AlertFormatter.fieldsAround(legacy, event.host(), replay, marked);
        int aroundMarked = AlertFormatter.fieldsAround(legacy, event.host(), replay, true);
        if (fields.exceededBy((long) around + event.fields().fields())) {
            rewritten = rewritten != null ? rewritten : event.json();
            FieldBudget.Fit fit = fields.fit(rewritten, around, aroundMarked);
            if (fit == FieldBudget.Fit.OVER) {
                return tooManyFields(rewritten, aroundMarked);
            }
            marked |= fit == FieldBudget.Fit.LABELS_LEFT_OUT;
        }
        byte[] value = rewritten == null ? event.value() : ContractJson.write(rewritten);
        byte[] datagram = formatter.event(value, legacy, event.host(), replay, marked);
        if (datagram.length <= limit) {
            return new Fitted(datagram, marked);
        }
        ObjectNode copy = rewritten != null ? rewritten : event.json(); // a tree of its own: trimming changes it
        // Marked from here on: its mark is one field more
        if (fields.fit(copy, aroundMarked, aroundMarked) == FieldBudget.Fit.OVER) {
            return tooManyFields(copy, aroundMarked);
        }
        EngineAttributes.Own own = EngineAttributes.in(copy); // before its Action is cut
        Map<String, String> fittedLegacy = bounded(legacy);
        boolean identityCut = bounded(copy, own);
        if (identityCut || fittedLegacy != legacy) {
            datagram = formatter.event(ContractJson.write(copy), fittedLegacy, event.host(), replay, true);
            if (datagram.length <= limit) {
                return new Fitted(datagram, true);
            }
            marked = true;
        }
        if (!(copy.path("Actor").path("Attributes") instanceof ObjectNode attributes)) {
            return tooLarge();
        }
        List<Entry> entries = entries(attributes, own);
        // Only labels are cut to the cap: thousands of small ones brought it to a few bytes, and the container's
        // name and image, cut with them, arrived empty (which Wazuh leaves out of alerts.json).
        long[] valuesDescending = entries.stream().filter(Entry::cuttable).mapToLong(e -> -e.valueBytes())
                .sorted().map(b -> -b).toArray();
        // Left out first: the labels, largest first; the engine's own attributes (name, image) only after them all.
        List<Entry> largestFirst = new ArrayList<>(entries);
        largestFirst.sort(Comparator.comparing(Entry::own)
                .thenComparing(Comparator.comparingLong(Entry::bytes).reversed()));
        // What must go: the untrimmed alert with its truncated mark, over the limit.
        long excess = datagram.length + (marked ? 0 : AlertFormatter.TRUNCATED_MARK_BYTES) - (long) limit;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            long cap = cap(valuesDescending, excess);
            if (cap >= 0) {
                for (Entry entry : entries) {
                    if (entry.cuttable() && entry.valueBytes() > cap) {
                        attributes.put(entry.name(), prefix(entry.text(), cap));
                    }
                }
            } else if (!leaveOut(attributes, entries, largestFirst, excess)) {
                return tooLarge(); // not even without any attribute
            }
            datagram = formatter.event(ContractJson.write(copy), fittedLegacy, event.host(), replay, true);
            if (datagram.length <= limit) {
                return new Fitted(datagram, true);
            }
            excess += datagram.length - limit;
        }
        return tooLarge();
    }

    private Unfit tooManyFields(ObjectNode event, int around) {
        return new Unfit(DeadLetterReason.TOO_MANY_FIELDS, String.format(Locale.ROOT, "its alert has %,d fields "
                + "without any label, over the %,d Wazuh's JSON decoder takes (--max-fields): analysisd would log an "
                + "ERROR line for each field past them; no Docker engine writes such an event",
                around + FieldBudget.unlabelled(event), fields.max()));
    }

    private static Unfit tooLarge() {
        return new Unfit(DeadLetterReason.TOO_LARGE_AFTER_TRIM, "the alert exceeds " + MAX_DATAGRAM
                + " bytes even without any of its Actor.Attributes");
    }

    /**
     * Cuts the event's identity fields, {@code Actor.ID} and the engine's own attributes ({@code own}) to the stand-in
     * bound; true when one was longer. The engine's attributes are never cut to the labels' cap: this bound keeps the
     * start of one that can be long (a commit's {@code comment}, a mount's {@code destination}) rather than leaving it
     * out.
     */
    private static boolean bounded(ObjectNode event, EngineAttributes.Own own) {
        boolean cut = false;
        for (String name : IDENTITY_FIELDS) {
            cut |= bounded(event, name);
        }
        if (event.get("Actor") instanceof ObjectNode actor) {
            cut |= bounded(actor, "ID");
            if (actor.get("Attributes") instanceof ObjectNode attributes) {
                for (String name : own.names()) {
                    cut |= bounded(attributes, name);
                }
            }
        }
        return cut;
    }

    private static boolean bounded(ObjectNode node, String name) {
        if (node.get(name) instanceof TextNode text && tooLong(text.asText())) {
            node.put(name, StandIn.bounded(text.asText()));
            return true;
        }
        return false;
    }

    private static boolean tooLong(String text) {
        return text != null && text.length() > StandIn.MAX_IDENTITY_CHARS;
    }

    /** The legacy fields with each value cut to the stand-in bound: {@code legacy} itself when none is longer. */
    private static Map<String, String> bounded(Map<String, String> legacy) {
        if (legacy.values().stream().noneMatch(AlertTrimmer::tooLong)) {
            return legacy;
        }
        Map<String, String> cut = new LinkedHashMap<>();
        legacy.forEach((name, value) -> cut.put(name, StandIn.bounded(value)));
        return cut;
    }

    /**
     * Sets the attributes to {@code entries} (as they were, in their order) without the first of {@code
     * leaveOutFirst} that take at least {@code excess} bytes; false when all of them are not enough.
     */
    private static boolean leaveOut(ObjectNode attributes, List<Entry> entries, List<Entry> leaveOutFirst,
                                    long excess) {
        long removed = 0;
        Set<String> out = new HashSet<>();
        for (Entry entry : leaveOutFirst) {
            if (removed >= excess) {
                break;
            }
            out.add(entry.name());
            removed += entry.bytes();
        }
        attributes.removeAll();
        for (Entry entry : entries) {
            if (!out.contains(entry.name())) {
                attributes.set(entry.name(), entry.value());
            }
        }
        return removed >= excess;
    }

    /**
     * An attribute as it was: its value, its text when a string (else null), the bytes of its JSON encoding (without
     * quotes for the value; the whole {@code "name":value,} for the entry), and whether the engine set it itself.
     */
    private record Entry(String name, JsonNode value, String text, long valueBytes, long bytes, boolean own) {
        /** A label's text: what the common cap cuts (the engine's own attributes only to their bound). */
        boolean cuttable() {
            return text != null && !own;
        }
    }

    private static List<Entry> entries(ObjectNode attributes, EngineAttributes.Own own) {
        List<Entry> entries = new ArrayList<>(attributes.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            String text = value.isTextual() ? value.asText() : null;
            long valueBytes = text != null ? encodedLength(text) + 2 : ContractJson.write(value).length;
            entries.add(new Entry(field.getKey(), value, text, text != null ? valueBytes - 2 : valueBytes,
                    encodedLength(field.getKey()) + valueBytes + ENTRY_OVERHEAD, own.contains(field.getKey())));
        }
        return entries;
    }

    /**
     * The largest cap such that cutting every value over it to it removes at least {@code excess} bytes; -1 when
     * emptying every value is not enough. {@code descending}: the values' encoded sizes, largest first.
     */
    static long cap(long[] descending, long excess) {
        long sum = 0;
        for (int k = 0; k < descending.length; k++) {
            sum += descending[k];
            long next = k + 1 < descending.length ? descending[k + 1] : 0;
            // Cutting the k+1 largest to a cap c in [next, descending[k]] removes sum - (k+1)*c bytes.
            long c = Math.floorDiv(sum - excess, k + 1);
            if (c >= next) {
                return Math.min(c, descending[k]);
            }
        }
        return -1;
    }

    /** The longest prefix of {@code text} whose JSON encoding is at most {@code maxBytes}; never splits a pair. */
    private static String prefix(String text, long maxBytes) {
        long used = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            boolean pair = isPair(text, i);
            long width = pair ? PAIR_WIDTH : encodedWidth(c);
            if (used + width > maxBytes) {
                break;
            }
            used += width;
            i += pair ? 2 : 1;
        }
        return text.substring(0, i);
    }

    /** The bytes of {@code text} as a JSON string's content (without quotes), as the mapper writes it. */
    private static long encodedLength(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            if (isPair(text, i)) {
                bytes += PAIR_WIDTH;
                i++;
            } else {
                bytes += encodedWidth(text.charAt(i));
            }
        }
        return bytes;
    }

    private static boolean isPair(String text, int i) {
        return Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1));
    }

    /**
     * A character outside the BMP: the mapper writes it as two six-byte escapes (Jackson's default), or as
     * four UTF-8 bytes; asked once rather than assumed.
     */
    private static final long PAIR_WIDTH = ContractJson.write(new String(Character.toChars(0x1F600))).length - 2;

    /** Bytes the mapper writes for one char of a JSON string (a surrogate pair is {@link #PAIR_WIDTH}). */
    private static long encodedWidth(char c) {
        if (c == '"' || c == '\\') {
            return 2;
        }
        if (c < 0x20) {
            return c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 2 : 6;
        }
        return c < 0x80 ? 1 : c < 0x800 ? 2 : 3; // a lone surrogate is never here: the value was valid UTF-8
    }
}
